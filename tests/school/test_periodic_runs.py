"""Two beats running together: the periodic tasks whose double run matters run once per interval."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from courses import tasks as course_tasks
from school.credits import rankings
from school.credits.tasks import snapshot_rankings_task
from school.models import PeriodicRun

pytestmark = pytest.mark.django_db


def test_it_publishes_scheduled_pages_once_when_two_beats_send_the_task(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []
    monkeypatch.setattr(course_tasks, "call_command", lambda name, **kwargs: runs.append(name))

    course_tasks.publish_scheduled_pages.apply()  # beat on machine A
    course_tasks.publish_scheduled_pages.apply()  # beat on machine B, a few seconds later

    assert runs == ["publish_scheduled"]
    PeriodicRun.objects.update(last_run_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))  # the next interval
    course_tasks.publish_scheduled_pages.apply()
    assert runs == ["publish_scheduled", "publish_scheduled"]


def test_it_takes_the_scheduled_ranking_snapshots_once_when_two_beats_send_the_task(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []

    def scheduled_snapshots() -> list[int]:
        calls.append(1)
        return [7]

    monkeypatch.setattr(rankings, "scheduled_snapshots", scheduled_snapshots)

    first = snapshot_rankings_task.apply().get()
    second = snapshot_rankings_task.apply().get()

    assert (first, second, len(calls)) == ([7], [], 1)
