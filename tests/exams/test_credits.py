from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from exams.credits import exam_metrics
from exams.models import Attempt, PracticeDay
from exams.signals import attempt_graded, attempt_passed
from exams.tasks import post_practice_credits
from school import outbox
from school.credits.models import CreditEntry, OrganizationScore
from school.credits.periods import parse
from school.credits.recompute import recompute
from school.credits.rules import ensure_default_rules
from school.credits.tasks import post_credit_task, refresh_member_metrics_task
from tests.exams.builders import fill_bank, make_bank, make_exam, pass_exam


@pytest.fixture
def run_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(post_credit_task, "delay", lambda *args: post_credit_task.run(*args))
    monkeypatch.setattr(refresh_member_metrics_task, "delay", lambda *args: refresh_member_metrics_task.run(*args))


def _attempt(member: Any, exam: Any, no: int, score: str, passed: bool) -> Attempt:
    now = timezone.now()
    return Attempt.objects.create(member=member, exam=exam, attempt_no=no, seed=no, started_at=now, deadline=now,
                                  submitted_at=now, score=Decimal(score), passed=passed)


@pytest.mark.django_db
def test_it_awards_passed_exams_once_and_refuses_forged_passes(
        personas: Any, run_tasks: None, django_capture_on_commit_callbacks: Any) -> None:
    ensure_default_rules(dt.date(2026, 1, 1))
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank)
    failed = _attempt(personas.member, exam, 1, "4", False)
    payload = {"member_id": personas.member.pk, "exam_id": exam.pk, "score": Decimal("100"), "passed": True}
    with django_capture_on_commit_callbacks(execute=True):
        attempt_passed.send(sender=Attempt, attempt_id=failed.pk, **payload)  # forged: not passed
    assert CreditEntry.objects.count() == 0
    passed = _attempt(personas.member, exam, 2, "8.5", True)  # 85 % of the 10-point exam
    with django_capture_on_commit_callbacks(execute=True):
        attempt_passed.send(sender=Attempt, attempt_id=passed.pk, **payload)  # the event's score is not trusted
        attempt_passed.send(sender=Attempt, attempt_id=passed.pk, **payload)  # replay
    entry = CreditEntry.objects.get()
    assert (entry.source_type, entry.quantity, entry.points) == ("exam", Decimal("85.00"), Decimal("4.00"))
    period = parse(f"{timezone.localdate():%Y-%m}")
    assert sorted(exam_metrics(period)) == [(personas.member.pk, "exams", 1, 1)]
    recompute([period.key])
    assert OrganizationScore.objects.get(organization=personas.a1, period=period.key).pass_rate == 1.0


@pytest.mark.django_db
def test_it_awards_a_passed_exam_once_when_the_process_dies_between_commit_and_publish(
        personas: Any, run_tasks: None, django_capture_on_commit_callbacks: Any, settings: Any) -> None:
    ensure_default_rules(dt.date(2026, 1, 1))
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank)
    settings.TASKS_OUTBOX_GRACE_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=False):  # committed; the process dies before any after-commit code
        attempt = pass_exam(personas.member, exam)
    assert attempt.passed and not CreditEntry.objects.exists()

    first = outbox.flush()  # the beat's flush, in another process
    second = outbox.flush()

    assert (first.sent, second.sent) == (2, 0)  # the award and the member's metrics refresh, each once
    entry = CreditEntry.objects.get()
    assert (entry.member_id, entry.source_type, entry.source_id) == (personas.member.pk, "exam", exam.pk)


@pytest.mark.django_db
def test_it_awards_closed_practice_days(personas: Any, run_tasks: None) -> None:
    ensure_default_rules(dt.date(2026, 1, 1))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    PracticeDay.objects.create(member=personas.member, date=yesterday, version_ids=[], points=4)
    PracticeDay.objects.create(member=personas.member_a2, date=timezone.localdate(), version_ids=[], points=5)
    assert post_practice_credits() == 1
    assert post_practice_credits() == 1  # asked again: the ledger keeps one row
    entry = CreditEntry.objects.get()
    assert (entry.member_id, entry.source_type, entry.points) == (personas.member.pk, "practice", Decimal("2.00"))


@pytest.mark.django_db
def test_it_shows_a_pass_rate_as_soon_as_an_attempt_is_graded(
        personas: Any, run_tasks: None, django_capture_on_commit_callbacks: Any) -> None:
    """No scheduled recompute: the graded attempts alone move the pass rate of the member's whole chain."""
    ensure_default_rules(dt.date(2026, 1, 1))
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank)
    other = make_exam(personas.trainer, bank)
    key = f"{timezone.localdate():%Y-%m}"
    for attempt in (_attempt(personas.member, exam, 1, "8.5", True), _attempt(personas.member, other, 1, "2", False)):
        payload = {"member_id": personas.member.pk, "exam_id": attempt.exam_id, "score": attempt.score,
                   "passed": attempt.passed, "attempt_id": attempt.pk}
        with django_capture_on_commit_callbacks(execute=True):
            attempt_graded.send(sender=Attempt, **payload)
            if attempt.passed:
                attempt_passed.send(sender=Attempt, **payload)
    for org in (personas.a1, personas.branch_group_a, personas.district):
        row = OrganizationScore.objects.get(organization=org, period=key)
        assert (row.exam_passed, row.exam_total, row.pass_rate) == (1, 2, 0.5)
    incremental = sorted(OrganizationScore.objects.filter(period=key).values_list(
        "organization_id", "members", "participants", "points", "exam_passed", "exam_total", "pass_rate", "score"))
    recompute([key])
    recomputed = sorted(OrganizationScore.objects.filter(period=key, organization_id__in=[r[0] for r in incremental])
                        .values_list("organization_id", "members", "participants", "points", "exam_passed",
                                     "exam_total", "pass_rate", "score"))
    assert recomputed == incremental


@pytest.mark.django_db
def test_it_names_the_exam_and_practice_day_in_the_ledger_drill_down(
        personas: Any, run_tasks: None, client_for: Any, django_capture_on_commit_callbacks: Any) -> None:
    from django.urls import reverse

    ensure_default_rules(dt.date(2026, 1, 1))
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank, title="党章知识测验")
    passed = _attempt(personas.member, exam, 1, "8.5", True)
    with django_capture_on_commit_callbacks(execute=True):
        attempt_passed.send(sender=Attempt, member_id=personas.member.pk, exam_id=exam.pk, attempt_id=passed.pk,
                            score=passed.score, passed=True)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    PracticeDay.objects.create(member=personas.member, date=yesterday, version_ids=[], points=4, answered=5, correct=4)
    post_practice_credits()
    url = reverse("credits_admin:member", args=[personas.member.pk]) + "?period=all"
    response = client_for(personas.admin_a).get(url)
    html = response.content.decode()
    assert f'<a href="{reverse("exams:detail", args=[exam.pk])}">党章知识测验</a>' in html
    assert f"每日答题 {yesterday.isoformat()}（答对 4/5）" in html
    assert "<strong>小明</strong>" in html


def _submit_with_correct(member: Any, exam: Any, correct: int) -> Attempt:
    """``member`` answers the first ``correct`` questions of a new attempt right, leaves the rest blank, submits."""
    from exams.models import QuestionVersion
    from exams.services import do_save_answer, do_start_attempt, do_submit_attempt
    from exams.services.grading import to_displayed

    attempt, _created = do_start_attempt(member, exam)
    for item in attempt.paper[:correct]:
        version = QuestionVersion.objects.get(pk=item["v"])
        do_save_answer(attempt, item["v"], to_displayed(version.answer, item["p"])[0])
    return do_submit_attempt(attempt.pk)[0]


@pytest.mark.django_db
@pytest.mark.parametrize(("correct", "pass_mark", "percent", "points"), [
    (5, "6", "100.00", "6.00"),  # all right: the 90 % band
    (4, "6", "80.00", "4.00"),   # 8 of 10: the 80 % band
    (3, "6", "60.00", "2.00"),   # 6 of 10: the 60 % band
    (2, "4", "40.00", "0.00"),   # passed (a low pass mark) but below 60 %: no band
])
def test_it_scores_the_exam_bands_on_the_percentage_of_a_10_point_exam(
        personas: Any, run_tasks: None, django_capture_on_commit_callbacks: Any,
        correct: int, pass_mark: str, percent: str, points: str) -> None:
    """5 questions × 2 points: the default bands (60/80/90) are percentages of the exam's 10 points, not raw
    scores (a fully correct 10/10 used to earn 0.00). The recompute keeps the same figures."""
    ensure_default_rules(dt.date(2026, 1, 1))
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank, pass_mark=Decimal(pass_mark))
    assert exam.total_points == Decimal(10)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _submit_with_correct(personas.member, exam, correct)
    assert attempt.passed and attempt.score == Decimal(2 * correct)
    entry = CreditEntry.objects.get(member=personas.member, source_type="exam", source_id=exam.pk)
    assert (entry.quantity, entry.raw_points, entry.points) == (Decimal(percent), Decimal(points), Decimal(points))
    key = f"{timezone.localdate():%Y-%m}"
    before = sorted(OrganizationScore.objects.filter(period=key).values_list("organization_id", "points", "score"))
    recompute([key])
    after = sorted(OrganizationScore.objects.filter(period=key, organization_id__in=[r[0] for r in before])
                   .values_list("organization_id", "points", "score"))
    assert after == before
    assert OrganizationScore.objects.get(organization=personas.a1, period=key).points == Decimal(points)
