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
