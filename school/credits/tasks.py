"""Celery tasks of the ledger (queue ``default``). Each takes primitive values, re-fetches and calls a
plain function; running one twice changes nothing (the ledger's unique key)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from celery import shared_task
from django.conf import settings

from . import recompute, services


@shared_task(acks_late=True, queue="default")
def post_credit_task(member_id: int, source_type: str, source_id: int, earned_at: str,
                     quantity: str | None = None) -> int:
    awards = services.post_credit(member_id, source_type, source_id, dt.datetime.fromisoformat(earned_at),
                                  Decimal(quantity) if quantity is not None else None)
    return len(awards)


@shared_task(acks_late=True, queue="recompute", soft_time_limit=settings.CREDITS_RECOMPUTE_SOFT_TIME_LIMIT,
             time_limit=settings.CREDITS_RECOMPUTE_SOFT_TIME_LIMIT + 60)
def recompute_scores_task(periods: list[str] | None = None) -> list[str]:
    """On its own queue (a slow recompute holds the awards' lock: it must not take every ``default``
    slot); no ``reject_on_worker_lost`` (a recompute that kills its worker would loop; beat runs it
    again anyway)."""
    return recompute.recompute(periods)


@shared_task(acks_late=True, queue="recompute", soft_time_limit=settings.CREDITS_RECOMPUTE_SOFT_TIME_LIMIT,
             time_limit=settings.CREDITS_RECOMPUTE_SOFT_TIME_LIMIT + 60)
def recompute_request_task(request_id: int) -> str:
    """An administrator's 立即重新计算: claims the queued request (a second delivery does nothing)."""
    return services.run_recompute_request(request_id)


def post_credit_after_commit(member_id: int, source_type: str, source_id: int, earned_at: dt.datetime,
                             quantity: Decimal | None = None) -> None:
    """For the apps' signal handlers: queue the award once the current transaction commits (through
    the task outbox: a broker outage keeps it for a later flush)."""
    from school import outbox

    outbox.send_on_commit(post_credit_task, member_id, source_type, source_id, earned_at.isoformat(),
                                str(quantity) if quantity is not None else None)


@shared_task(acks_late=True, queue="default")
def refresh_member_metrics_task(member_id: int, month: str | None = None, also: list[str] | None = None) -> int:
    """An exam graded or a lesson completed: the member's task and exam metrics, and the score rows of
    their organization chain, follow now (running it twice changes nothing the second time). ``also``:
    other months the event may count in (a study task's deadline month)."""
    keys = set(recompute.member_metric_periods(member_id, month))
    for other in also or []:
        keys.update(recompute.periods_of_month(other))
    return recompute.refresh_member_metrics(member_id, sorted(keys))


def refresh_metrics_after_commit(member_id: int, when: dt.datetime, also: list[str] | None = None) -> None:
    """For the apps' signal handlers: refresh the member's metrics once the current transaction commits
    (in the event's month and the months ``also``)."""
    from school import outbox

    from .periods import local_day, month_key

    if also:
        outbox.send_on_commit(refresh_member_metrics_task, member_id, month_key(local_day(when)), sorted(set(also)))
    else:
        outbox.send_on_commit(refresh_member_metrics_task, member_id, month_key(local_day(when)))


@shared_task(acks_late=True, queue="default")
def snapshot_rankings_task() -> list[int]:
    from school import periodic

    from . import rankings

    if not periodic.claim_run("credits-publish-rankings"):  # a second beat's copy
        return []
    return rankings.scheduled_snapshots()
