"""Exams' side of the credit ledger (school.credits): the sources ``exam`` (a passed exam, scored by the
first pass) and ``practice`` (a closed practice day, scored by its points), whose verifiers check the
member's claim against exams' own tables, and the exam pass-rate metric for organization scores
(``school.hooks.ORG_METRICS``, registered in ``wagtail_hooks.py``). ``register_credit_sources()`` runs
from ExamsConfig.ready(). The receiver that queues an award when an attempt passes is in
``signal_handlers.py``; the beat task that awards closed practice days is in ``tasks.py``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from school.credits.periods import Period, period_bounds
from school.credits.rules import CENT, register_source_verifier


def verify_exam_passed(member_id: int, exam_id: int) -> bool:
    from .models import Attempt

    return Attempt.objects.filter(member_id=member_id, exam_id=exam_id, passed=True).exists()


def first_pass_percent(member_id: int, exam_id: int) -> Decimal | None:
    """The exam source's quantity: the first passed attempt's score as a percentage (0–100) of the paper's
    total points, so the score bands of a credit rule (the default 60/80/90) mean the same thing on a 10-point
    quiz and a 100-point exam. One award per exam, whatever is retaken later. Rounded down to 0.01 so that
    no band is reached by rounding (59.996 % stays below 60)."""
    from .models import Attempt

    attempt = (Attempt.objects.filter(member_id=member_id, exam_id=exam_id, passed=True)
               .select_related("exam").order_by("submitted_at", "pk").first())
    if attempt is None or attempt.score is None:
        return None
    total = attempt_total_points(attempt)
    if total <= 0:
        return None
    return (attempt.score * 100 / total).quantize(CENT, rounding=ROUND_DOWN)


def attempt_total_points(attempt: Any) -> Decimal:
    """The total points of the paper the attempt was graded on: the sections' maxima recorded at grading
    (a later edit of the exam's sections does not change an earned percentage); the exam's current total
    for an attempt without them."""
    maxima = [Decimal(str(s["max"])) for s in attempt.section_scores or [] if isinstance(s, dict) and "max" in s]
    return sum(maxima, Decimal(0)) if maxima else Decimal(attempt.exam.total_points)


def verify_practice_day(member_id: int, day_id: int) -> bool:
    from .models import PracticeDay

    return PracticeDay.objects.filter(pk=day_id, member_id=member_id, points__gt=0,
                                      date__lt=timezone.localdate()).exists()


def practice_points(member_id: int, day_id: int) -> Decimal | None:
    from .models import PracticeDay

    day = PracticeDay.objects.filter(pk=day_id, member_id=member_id).first()
    return Decimal(day.points) if day is not None else None


def pending_practice_days(member_id: int) -> list[tuple[int, dt.date, Decimal | None]]:
    """Practice days with points that the day-close award (``tasks.post_practice_credits``, which looks back
    ``PRACTICE_AWARD_DAYS``) has still to post: today's, and a closed day the beat has not reached yet. The
    ledger view leaves out those already awarded, so nothing is counted twice."""
    from .models import PracticeDay
    from .tasks import PRACTICE_AWARD_DAYS

    since = timezone.localdate() - dt.timedelta(days=PRACTICE_AWARD_DAYS)
    return [(pk, day, Decimal(points)) for pk, day, points in PracticeDay.objects.filter(
        member_id=member_id, date__gte=since, points__gt=0).order_by("-date").values_list("pk", "date", "points")]


def exam_metrics(period: Period, member_ids: list[int] | None = None) -> Iterator[tuple[int, str, int, int]]:
    """Per member (every one, or ``member_ids``): exams taken in the period (submitted) and of those, passed."""
    from .models import Attempt

    qs = Attempt.objects.filter(submitted_at__isnull=False)
    if member_ids is not None:
        qs = qs.filter(member_id__in=member_ids)
    bounds = period_bounds(period)
    if bounds is not None:
        start = timezone.make_aware(dt.datetime.combine(bounds[0], dt.time.min))
        end = timezone.make_aware(dt.datetime.combine(bounds[1] + dt.timedelta(days=1), dt.time.min))
        qs = qs.filter(submitted_at__gte=start, submitted_at__lt=end)
    rows = qs.values("member_id").annotate(total=Count("exam_id", distinct=True),
                                          passed=Count("exam_id", filter=Q(passed=True), distinct=True))
    for row in rows.iterator():
        yield row["member_id"], "exams", row["passed"], row["total"]


def describe_exams(exam_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """Exams by title with their page, for the ledger drill-down."""
    from django.urls import reverse

    from .models import Exam

    return {exam.pk: (exam.title, reverse("exams:detail", args=[exam.pk]))
            for exam in Exam.objects.filter(pk__in=exam_ids).only("pk", "title")}


def describe_practice_days(day_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """Practice days by date (每日答题 2026-11-05: answered, correct), for the ledger drill-down."""
    from django.utils.translation import gettext as _

    from .models import PracticeDay

    return {day.pk: (_("Daily practice %(date)s (%(correct)s of %(answered)s correct)") % {
        "date": day.date.isoformat(), "correct": day.correct, "answered": day.answered}, None)
        for day in PracticeDay.objects.filter(pk__in=day_ids)}


def verify_battle(member_id: int, battle_id: int) -> bool:
    """答题PK: the member played the finished battle to the end and it earned credit points."""
    from .models import Battle, BattlePlayer

    return BattlePlayer.objects.filter(battle_id=battle_id, member_id=member_id, forfeited=False,
                                       credit_points__gt=0, battle__state=Battle.State.FINISHED).exists()


def battle_points(member_id: int, battle_id: int) -> Decimal | None:
    from .models import BattlePlayer

    player = BattlePlayer.objects.filter(battle_id=battle_id, member_id=member_id).first()
    return player.credit_points if player is not None else None


def describe_battles(battle_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    from django.urls import reverse

    from .models import Battle

    return {battle.pk: (f"{battle.mode.name} #{battle.pk}", reverse("exams:battle_result", args=[battle.pk]))
            for battle in Battle.objects.filter(pk__in=battle_ids).select_related("mode")}


def register_credit_sources() -> None:
    register_source_verifier("exam", verify_exam_passed, first_pass_percent, describe_exams)
    register_source_verifier("practice", verify_practice_day, practice_points, describe_practice_days,
                             pending_practice_days)
    register_source_verifier("battle", verify_battle, battle_points, describe_battles)
