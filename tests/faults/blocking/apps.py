"""A test-only app for worker processes (tests/faults/worker_settings.py): it registers an organization
metrics provider that, for the period named in FAULTS_BLOCK_PERIOD, signals that the recompute reached
it (touches FAULTS_BLOCK_DIR/reached) and then waits until FAULTS_BLOCK_DIR/release exists. The
recompute calls the providers inside that period's transaction, after rewriting its member totals,
so a test can kill the worker exactly in the middle of a period.

With FAULTS_HOLD_PUBLISH=<task name> it also holds the process at the publish of that task (signals
FAULTS_BLOCK_DIR/held, then waits for FAULTS_BLOCK_DIR/release): for a task sent through the outbox after
commit, that is the moment between the commit and the broker taking the message. With FAULTS_TODAY=
<ISO date> the scheduled ranking snapshot runs as on that day (it acts on the 1st of a month only)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import AppConfig


def blocking_metrics(period: Any, member_ids: Any = None) -> Iterator[tuple[int, str, int, int]]:
    if period.key == os.environ.get("FAULTS_BLOCK_PERIOD"):
        folder = Path(os.environ["FAULTS_BLOCK_DIR"])
        (folder / "reached").touch()
        deadline = time.monotonic() + 60
        while not (folder / "release").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    yield from ()


def hold_at_publish(publish: Any) -> Any:
    held_task = os.environ.get("FAULTS_HOLD_PUBLISH", "")

    def holding(task: Any, args: Any, kwargs: Any) -> None:
        if held_task and task.name == held_task:
            folder = Path(os.environ["FAULTS_BLOCK_DIR"])
            (folder / "held").touch()
            deadline = time.monotonic() + 60
            while not (folder / "release").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
        publish(task, args, kwargs)

    return holding


class BlockingConfig(AppConfig):
    name = "tests.faults.blocking"
    label = "faults_blocking"

    def ready(self) -> None:
        from wagtail import hooks

        from school.hooks import ORG_METRICS

        hooks.register(ORG_METRICS, blocking_metrics)
        if os.environ.get("FAULTS_TODAY"):
            import datetime as dt
            import functools

            from school.credits import rankings

            today = dt.date.fromisoformat(os.environ["FAULTS_TODAY"])
            rankings.scheduled_snapshots = functools.partial(
                rankings.scheduled_snapshots, day=today)
        if os.environ.get("FAULTS_HOLD_PUBLISH"):
            from school import outbox

            outbox._publish = hold_at_publish(outbox._publish)
