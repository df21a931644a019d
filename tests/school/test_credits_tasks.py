from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings

from school.credits.models import CreditEntry, MemberCredit
from school.credits.tasks import post_credit_after_commit, post_credit_task, recompute_scores_task
from tests.factories import Personas

from .builders import at, fake_sources, make_rule


@pytest.mark.django_db
def test_it_posts_through_a_task_after_commit_and_twice_is_once(
        personas: Personas, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    make_rule("lesson", "lesson", points="2")
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(post_credit_task, "delay", lambda *args: sent.append(args))
    with fake_sources() as fake:
        fake.complete("lesson", personas.member.pk, 9)
        with django_capture_on_commit_callbacks(execute=True):
            post_credit_after_commit(personas.member.pk, "lesson", 9, at(dt.date(2026, 11, 4)))
            assert sent == []  # nothing leaves before the commit
        assert len(sent) == 1
        assert post_credit_task.run(*sent[0]) == 1
        assert post_credit_task.run(*sent[0]) == 0  # redelivered: nothing more
    assert CreditEntry.objects.count() == 1
    assert MemberCredit.objects.get(member=personas.member, period="all").points == Decimal("2.00")
    assert recompute_scores_task.run(["2026-11", "all"]) == ["2026-11", "all"]
    assert MemberCredit.objects.get(member=personas.member, period="all").points == Decimal("2.00")


def test_it_schedules_the_recompute_and_the_rankings() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"school.credits.tasks.recompute_scores_task", "school.credits.tasks.snapshot_rankings_task"} <= tasks
    assert getattr(post_credit_task, "queue", None) == "default"


def test_it_runs_the_recompute_on_its_own_queue_with_a_time_limit_and_no_loop_on_a_lost_worker() -> None:
    assert getattr(recompute_scores_task, "queue", None) == "recompute"
    assert settings.CELERY_TASK_ROUTES["school.credits.tasks.recompute_scores_task"] == {"queue": "recompute"}
    entry: dict[str, Any] = settings.CELERY_BEAT_SCHEDULE["credits-recompute-scores"]
    assert entry["options"]["queue"] == "recompute"
    assert not recompute_scores_task.reject_on_worker_lost
    assert recompute_scores_task.soft_time_limit == settings.CREDITS_RECOMPUTE_SOFT_TIME_LIMIT
    assert recompute_scores_task.time_limit > recompute_scores_task.soft_time_limit
    assert 0 < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT  # every other task


@pytest.mark.django_db
def test_it_bounds_the_recompute_s_lock_wait_and_statements_on_postgresql(
        personas: Personas, monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    from django.db import connection

    from school.credits import recompute

    if connection.vendor != "postgresql":
        pytest.skip("lock_timeout and statement_timeout are PostgreSQL settings")
    settings.CREDITS_RECOMPUTE_LOCK_TIMEOUT_SECONDS = 7
    settings.CREDITS_RECOMPUTE_STATEMENT_TIMEOUT_SECONDS = 90
    seen: list[tuple[str, str]] = []
    real_rebuild = recompute.rebuild

    def rebuild(period: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            lock = cursor.fetchone()[0]
            cursor.execute("SHOW statement_timeout")
            seen.append((lock, cursor.fetchone()[0]))
        real_rebuild(period)

    monkeypatch.setattr(recompute, "rebuild", rebuild)
    recompute.recompute(["2026-11"])

    assert seen == [("7s", "90s")]
