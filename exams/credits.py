"""Exams' side of the credit ledger (school.credits): verifiers that check a pass or a practice day
against exams' own tables, the handler that queues an award when an attempt passes (after commit,
queue ``default``), a beat task awarding closed practice days, and the exam pass-rate metric for
organization scores (``school.hooks.ORG_METRICS``). Connected from ExamsConfig.ready()."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from celery import shared_task
from django.db.models import Count, Q
from django.utils import timezone

from school import outbox
from school.credits.periods import Period, period_bounds
from school.credits.rules import register_source_verifier
from school.credits.tasks import post_credit_after_commit, post_credit_task


def verify_exam_passed(member_id: int, exam_id: int) -> bool:
    from .models import Attempt

    return Attempt.objects.filter(member_id=member_id, exam_id=exam_id, passed=True).exists()


def first_pass_score(member_id: int, exam_id: int) -> Decimal | None:
    """The score of the first passed attempt: one award per exam, whatever is retaken later."""
    from .models import Attempt

    attempt = (Attempt.objects.filter(member_id=member_id, exam_id=exam_id, passed=True)
               .order_by("submitted_at", "pk").first())
    return attempt.score if attempt is not None else None


def verify_practice_day(member_id: int, day_id: int) -> bool:
    from .models import PracticeDay

    return PracticeDay.objects.filter(pk=day_id, member_id=member_id, points__gt=0,
                                      date__lt=timezone.localdate()).exists()


def practice_points(member_id: int, day_id: int) -> Decimal | None:
    from .models import PracticeDay

    day = PracticeDay.objects.filter(pk=day_id, member_id=member_id).first()
    return Decimal(day.points) if day is not None else None


def on_attempt_passed(sender: Any, member_id: int, exam_id: int, attempt_id: int, **kwargs: Any) -> None:
    from .models import Attempt

    attempt = Attempt.objects.filter(pk=attempt_id).only("submitted_at").first()
    when = attempt.submitted_at if attempt is not None and attempt.submitted_at else timezone.now()
    post_credit_after_commit(member_id, "exam", exam_id, when)


@shared_task(acks_late=True, queue="default")
def post_practice_credits(days_back: int = 3) -> int:
    """Award closed practice days (the day's points are final once it is over). Safe to run again:
    the ledger refuses a second award for the same day."""
    from .models import PracticeDay

    today = timezone.localdate()
    count = 0
    for day in PracticeDay.objects.filter(date__lt=today, date__gte=today - dt.timedelta(days=days_back),
                                          points__gt=0).only("pk", "member_id", "date"):
        earned = timezone.make_aware(dt.datetime.combine(day.date, dt.time(23, 59)))
        outbox.send(post_credit_task, day.member_id, "practice", day.pk, earned.isoformat(), None)
        count += 1
    return count


def exam_metrics(period: Period) -> Iterator[tuple[int, str, int, int]]:
    """Per member: exams taken in the period (submitted) and of those, passed."""
    from .models import Attempt

    qs = Attempt.objects.filter(submitted_at__isnull=False)
    bounds = period_bounds(period)
    if bounds is not None:
        start = timezone.make_aware(dt.datetime.combine(bounds[0], dt.time.min))
        end = timezone.make_aware(dt.datetime.combine(bounds[1] + dt.timedelta(days=1), dt.time.min))
        qs = qs.filter(submitted_at__gte=start, submitted_at__lt=end)
    rows = qs.values("member_id").annotate(total=Count("exam_id", distinct=True),
                                          passed=Count("exam_id", filter=Q(passed=True), distinct=True))
    for row in rows.iterator():
        yield row["member_id"], "exams", row["passed"], row["total"]


def connect() -> None:
    from wagtail import hooks

    from school.hooks import ORG_METRICS

    from .signals import attempt_passed

    register_source_verifier("exam", verify_exam_passed, first_pass_score)
    register_source_verifier("practice", verify_practice_day, practice_points)
    attempt_passed.connect(on_attempt_passed, dispatch_uid="exams_credits_attempt_passed")
    hooks.register(ORG_METRICS, exam_metrics)
