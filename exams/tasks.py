"""Celery tasks of the exams app (queue ``default``). They take ids (or nothing) and are safe to run twice."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from school import outbox
from school.credits.tasks import post_credit_task

from . import services

PRACTICE_AWARD_DAYS = 3  # how far back the day-close award looks (a beat missed for a day or two catches up)


@shared_task(name="exams.tasks.sweep_expired_attempts")
def sweep_expired_attempts() -> int:
    """Submit attempts left open past their deadline; safe to run twice (conditional claim per attempt)."""
    return services.sweep_expired_attempts()


@shared_task(name="exams.tasks.sweep_stale_battles")
def sweep_stale_battles() -> int:
    """答题PK: finish battles whose clock stopped and close abandoned private rooms; safe to run twice."""
    from .services.battles import sweep_stale_battles as sweep

    return sweep()


@shared_task(name="exams.tasks.post_battle_credits", acks_late=True, queue="default")
def post_battle_credits(battle_ids: list[int]) -> int:
    """答题PK: award the finished battles' credit points to their members (one task for every battle that
    ended in the same moment). Safe to run again: the ledger refuses a second award for the same battle."""
    from school.credits.services import post_credit

    from .models import BattlePlayer

    awarded = 0
    for player in BattlePlayer.objects.filter(battle_id__in=battle_ids, member__isnull=False, forfeited=False,
                                              credit_points__gt=0).select_related("battle"):
        assert player.member_id is not None
        earned = player.battle.finished_at or timezone.now()
        awarded += len(post_credit(player.member_id, "battle", player.battle_id, earned))
    return awarded


@shared_task(name="exams.tasks.post_practice_credits", acks_late=True, queue="default")
def post_practice_credits(days_back: int = PRACTICE_AWARD_DAYS) -> int:
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


@shared_task(name="exams.tasks.notify_exam_opened", queue="default", ignore_result=True)
def notify_exam_opened(exam_id: int) -> int:
    """Tell an exam's members it is open (if it is open now); safe twice (once per member and exam)."""
    from .services.opening import notify_exam_opened as notify

    return notify(exam_id)


@shared_task(name="exams.tasks.notify_opened_exams", queue="default", ignore_result=True)
def notify_opened_exams() -> int:
    """Beat: exams whose opening time passed; once per interval however many beats send it."""
    from school import periodic

    from .services.opening import notify_opened_exams as notify

    if not periodic.claim_run("exams-notify-opened"):
        return 0
    return notify()
