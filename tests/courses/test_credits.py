from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from courses.credits import lesson_credit_hours, task_metrics
from courses.models import StudyProgress
from courses.services.study_tasks import create_task
from courses.signals import lesson_completed
from school.credits.models import CreditEntry, MemberCredit, MemberMetric
from school.credits.periods import parse
from school.credits.recompute import recompute
from school.credits.rules import ensure_default_rules
from school.credits.tasks import post_credit_task
from tests.courses.builders import make_reading


def complete(member: Any, page: Any) -> None:
    StudyProgress.objects.create(member=member, page=page, kind="reading", duration=60, required_seconds=60,
                                 watched_seconds=60, intervals=[[0, 60]], completed_at=timezone.now())


@pytest.fixture
def run_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(post_credit_task, "delay", lambda *args: post_credit_task.run(*args))


@pytest.mark.django_db
def test_it_turns_lesson_and_course_completion_into_credits(
        personas: Any, course: Any, run_tasks: None, django_capture_on_commit_callbacks: Any) -> None:
    ensure_default_rules(dt.date(2026, 1, 1))
    first, second = make_reading(course, "第一课"), make_reading(course, "第二课")
    member = personas.member
    with django_capture_on_commit_callbacks(execute=True):
        lesson_completed.send(sender=None, member_id=member.pk, lesson_id=second.pk, completed_at=timezone.now())
    assert CreditEntry.objects.count() == 0  # forged: the lesson was not completed
    complete(member, first)
    with django_capture_on_commit_callbacks(execute=True):
        lesson_completed.send(sender=None, member_id=member.pk, lesson_id=first.pk, completed_at=timezone.now())
        lesson_completed.send(sender=None, member_id=member.pk, lesson_id=first.pk, completed_at=timezone.now())
    entry = CreditEntry.objects.get()
    hours = lesson_credit_hours(member.pk, first.pk)
    assert hours is not None and hours > 0
    assert (entry.source_type, entry.quantity, entry.points) == ("lesson", hours, 2 * hours)  # 2 points an hour
    complete(member, second)
    with django_capture_on_commit_callbacks(execute=True):
        lesson_completed.send(sender=None, member_id=member.pk, lesson_id=second.pk, completed_at=timezone.now())
    kinds = sorted(CreditEntry.objects.values_list("source_type", flat=True))
    assert kinds == ["course", "lesson", "lesson"]
    total = sum(CreditEntry.objects.values_list("points", flat=True), Decimal("0"))
    assert MemberCredit.objects.get(member=member, period="all").points == total


@pytest.mark.django_db
def test_it_provides_study_task_completion_to_organization_scores(personas: Any, course: Any) -> None:
    from school.credits.models import OrganizationScore

    lesson = make_reading(course, "第一课")
    today = timezone.localdate()
    create_task(title="学习党章", organization=personas.branch_group_a, starts_on=today, ends_on=today,
                pages=[lesson], created_by=personas.admin_a)
    complete(personas.member, lesson)
    period = f"{today:%Y-%m}"
    assert sorted(task_metrics(parse(period))) == sorted([
        (personas.member.pk, "tasks", 1, 1), (personas.member_a2.pk, "tasks", 0, 1)])
    recompute([period])
    assert MemberMetric.objects.filter(period=period, metric="tasks").count() == 2
    group = OrganizationScore.objects.get(organization=personas.branch_group_a, period=period)
    assert (group.task_done, group.task_total, group.task_rate) == (1, 2, 0.5)


@pytest.mark.django_db
def test_it_counts_a_study_task_due_next_month_at_once(
        personas: Any, course: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any) -> None:
    """机关党总支's administrator sets a task due next month: the month's statistics count it for 小明 and
    小红 as soon as it is saved (a queued recompute of that month's periods); 小明 completes its lesson
    today and the next month's task completion follows at once — the numbers the recompute makes."""
    from school.credits.models import OrganizationScore
    from school.credits.periods import month_key
    from school.credits.tasks import recompute_scores_task, refresh_member_metrics_task

    monkeypatch.setattr(recompute_scores_task, "delay", lambda *args: recompute_scores_task.run(*args))
    monkeypatch.setattr(refresh_member_metrics_task, "delay", lambda *args: refresh_member_metrics_task.run(*args))
    lesson = make_reading(course, "第一课")
    today = timezone.localdate()
    due = (today.replace(day=1) + dt.timedelta(days=40)).replace(day=5)
    month = month_key(due)

    def row() -> tuple[int, int, float | None]:
        score = OrganizationScore.objects.get(organization=personas.branch_group_a, period=month)
        return score.task_done, score.task_total, score.task_rate

    with django_capture_on_commit_callbacks(execute=True):
        create_task(title="学习党章", organization=personas.branch_group_a, starts_on=today, ends_on=due,
                    pages=[lesson], created_by=personas.admin_a)
    assert row() == (0, 2, 0.0)
    complete(personas.member, lesson)
    with django_capture_on_commit_callbacks(execute=True):
        lesson_completed.send(sender=None, member_id=personas.member.pk, lesson_id=lesson.pk,
                              completed_at=timezone.now())
    assert row() == (1, 2, 0.5)
    recompute([month])
    assert row() == (1, 2, 0.5)


@pytest.mark.django_db
def test_it_counts_a_completion_in_the_deadline_month_before_any_recompute(
        personas: Any, course: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any) -> None:
    """The task's queued recompute has not run yet (a busy recompute queue): 小明's completion still counts
    in the deadline's month at once (the refresh asks for the months of his open tasks' deadlines)."""
    from school.credits.models import OrganizationScore
    from school.credits.periods import month_key
    from school.credits.tasks import refresh_member_metrics_task

    monkeypatch.setattr(refresh_member_metrics_task, "delay", lambda *args: refresh_member_metrics_task.run(*args))
    lesson = make_reading(course, "第一课")
    today = timezone.localdate()
    due = (today.replace(day=1) + dt.timedelta(days=70)).replace(day=5)
    create_task(title="学习党章", organization=personas.branch_group_a, starts_on=today, ends_on=due,
                pages=[lesson], created_by=personas.admin_a)  # its recompute stays in the outbox
    complete(personas.member, lesson)
    with django_capture_on_commit_callbacks(execute=True):
        lesson_completed.send(sender=None, member_id=personas.member.pk, lesson_id=lesson.pk,
                              completed_at=timezone.now())
    score = OrganizationScore.objects.get(organization=personas.branch_group_a, period=month_key(due))
    assert (score.task_done, score.task_total) == (1, 1)
    assert MemberMetric.objects.get(member=personas.member, period=month_key(due), metric="tasks").done == 1
