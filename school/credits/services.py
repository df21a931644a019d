"""Posting credits: the one way rows enter the ledger.

``post_credit`` is idempotent: the ledger's unique key (member, rule, source, period key) refuses a
second row for the same award, so a retried task, a replayed or a concurrent duplicate event adds
nothing. Before awarding, the source's verifier (registered by the owning app) must confirm the
member really completed/passed it; otherwise nothing is awarded.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from school import audit, dbclock
from school.db import serialized_writes
from school.models import Member, Organization
from school.models.audit import AuditAction

from . import recompute, rules
from .models import (
    ACTIVE_RECOMPUTE,
    CreditEntry,
    CreditRule,
    CreditRuleVersion,
    RecomputeRequest,
    RecomputeState,
    Repeat,
)
from .periods import local_day, month_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Award:
    rule_code: str
    entry_id: int
    points: Decimal


def post_credit(member_id: int, source_type: str, source_id: int, earned_at: dt.datetime,
                quantity: Decimal | None = None) -> list[Award]:
    """Award every active rule of ``source_type`` for this verified event; returns the new rows."""
    source = rules.source_for(source_type)
    if source is None or not source.verify(member_id, source_id):
        log.warning("credit refused: unverified %s %s for member %s", source_type, source_id, member_id)
        return []
    if source.quantity is not None:
        quantity = source.quantity(member_id, source_id)
    if quantity is not None and quantity < 0:
        log.warning("credit refused: negative quantity for %s %s", source_type, source_id)
        return []
    member = Member.objects.select_related("organization").filter(pk=member_id).first()
    if member is None:
        return []
    day = local_day(earned_at)
    awards: list[Award] = []
    for rule, version in rules.active_rules(source_type, day):
        award = _award(member, rule, version, source_id, earned_at, day, quantity)
        if award is not None:
            awards.append(award)
    return awards


def _award(member: Member, rule: CreditRule, version: CreditRuleVersion, source_id: int,
           earned_at: dt.datetime, day: dt.date, quantity: Decimal | None) -> Award | None:
    raw = rules.raw_points(rule, version, quantity)
    period_key = day.isoformat() if rule.repeat == Repeat.DAILY else ""
    try:
        with serialized_writes(), transaction.atomic():
            # The INSERT comes first: on SQLite it takes the write lock at once; on PostgreSQL the unique
            # index makes a concurrent duplicate wait for the first and then fail.
            entry = CreditEntry.objects.create(
                member=member, rule=rule, rule_version=version, source_type=rule.source_type,
                source_id=source_id, period_key=period_key, quantity=quantity, raw_points=raw,
                points=raw, earned_at=earned_at, day=day, month=month_key(day))
            recompute.awards_shared()
            Member.objects.select_for_update().filter(pk=member.pk).first()  # serializes one member's caps
            delta = allocate_cap(member.pk, rule.pk, day, version)
            recompute.apply_award(member, entry.month, raw + delta, 1)
    except IntegrityError:
        log.info("credit already awarded: member %s rule %s source %s", member.pk, rule.code, source_id)
        return None
    entry.refresh_from_db(fields=["points"])
    return Award(rule.code, entry.pk, entry.points)


def allocate_cap(member_id: int, rule_id: int, day: dt.date, version: CreditRuleVersion) -> Decimal:
    """Re-allocate the day's capped points of one member and rule in (earned_at, id) order; returns the
    change of the day's stored total (the same allocation the recompute makes with a window function)."""
    rows = list(CreditEntry.objects.filter(month=month_key(day), member_id=member_id, rule_id=rule_id, day=day)
                .order_by("earned_at", "id").values_list("id", "raw_points", "points"))
    cap = version.daily_cap
    old_total = sum((points for _id, _raw, points in rows), Decimal("0"))
    used = Decimal("0")
    new_total = Decimal("0")
    for entry_id, raw, points in rows:
        new = capped_points(raw, used, cap)
        used += raw
        new_total += new
        if new != points:
            CreditEntry.objects.filter(pk=entry_id).update(points=new)
    return new_total - old_total


def capped_points(raw: Decimal, used: Decimal, cap: Decimal | None) -> Decimal:
    """What a row of ``raw`` points counts when ``used`` raw points of its member, rule and day came
    before it: the rest of the daily cap at most (the recompute's window function computes the same)."""
    return raw if cap is None else max(Decimal("0"), min(raw, cap - min(used, cap)))


# --- 立即重新计算: an administrator's recompute of their subtree ---------------------------------------
# The request is a row (state, progress) and a task on the ``recompute`` queue. What runs is the
# set-based recompute of the periods (every organization's rows, the subtree's among them): a subtree
# alone would leave its ancestors' sums disagreeing with it, and a district's period takes seconds.
# At most one request is queued or running per subtree: none for an organization while one of an
# organization above or below it is (its recompute covers the same rows); for the organization itself a
# partial unique constraint also holds against concurrent requests. A request whose worker died while
# running is marked failed once it is older than the task's time limit.


class RecomputeBusy(Exception):
    def __init__(self, active: RecomputeRequest) -> None:
        super().__init__(active.pk)
        self.active = active


def overlapping(organization: Organization) -> Q:
    """Requests of ``organization``, of an organization above it or of one below it."""
    return (Q(organization__path__in=[*organization.ancestor_paths(), organization.path])
            | Q(organization__path__startswith=organization.path))


def _expire_stale(organization: Organization) -> None:
    limit = dbclock.now() - dt.timedelta(seconds=settings.CREDITS_RECOMPUTE_SOFT_TIME_LIMIT + 120)
    RecomputeRequest.objects.filter(overlapping(organization), state=RecomputeState.RUNNING,
                                     started_at__lt=limit).update(
        state=RecomputeState.FAILED, finished_at=dbclock.now(), error=_("The worker stopped before it finished."))


def do_request_recompute(organization: Organization, periods: list[str], user: Any) -> RecomputeRequest:
    """Queue a recompute of ``periods`` for ``organization``'s statistics; raises ``RecomputeBusy`` if one
    is already queued or running for it or an organization above or below it (nothing new is written
    then)."""
    from school import outbox

    from .tasks import recompute_request_task

    _expire_stale(organization)
    with transaction.atomic():
        active = (RecomputeRequest.objects.filter(overlapping(organization), state__in=ACTIVE_RECOMPUTE)
                  .select_related("organization").first())
        if active is not None:
            raise RecomputeBusy(active)
        try:
            with transaction.atomic():
                request = RecomputeRequest.objects.create(organization=organization, periods=periods,
                                                          steps_total=len(periods), requested_by=user)
        except IntegrityError:  # a concurrent request won
            raise RecomputeBusy(RecomputeRequest.objects.filter(
                organization=organization, state__in=ACTIVE_RECOMPUTE).first() or RecomputeRequest()) from None
        audit.record(AuditAction.SCORES_RECOMPUTE_REQUESTED,
                     f"请求重新计算{organization.name}的统计：{'、'.join(periods)}", actor=user, target=organization,
                     data={"request": request.pk, "periods": periods})
        outbox.send_on_commit(recompute_request_task, request.pk)
    return request


def run_recompute_request(request_id: int) -> str:
    """The task's work: claim the queued request (a second delivery finds it claimed and does nothing),
    recompute its periods counting progress, and end it done or failed with the reason."""
    claimed = RecomputeRequest.objects.filter(pk=request_id, state=RecomputeState.QUEUED).update(
        state=RecomputeState.RUNNING, started_at=dbclock.now(), steps_done=0)
    request = RecomputeRequest.objects.filter(pk=request_id).first()
    if request is None or not claimed:
        return request.state if request is not None else "missing"

    def progress(done: int) -> None:
        RecomputeRequest.objects.filter(pk=request_id).update(steps_done=done)

    try:
        recompute.recompute(list(request.periods), on_period=progress)
    except Exception as exc:
        RecomputeRequest.objects.filter(pk=request_id).update(
            state=RecomputeState.FAILED, finished_at=dbclock.now(), error=str(exc)[:300] or type(exc).__name__)
        log.exception("recompute request %s failed", request_id)
        return RecomputeState.FAILED
    RecomputeRequest.objects.filter(pk=request_id).update(state=RecomputeState.DONE, finished_at=dbclock.now())
    return RecomputeState.DONE
