"""Rankings (live, below) and ranking snapshots (frozen copies, at the end).

Rankings are computed by the database with window functions.

Competition ranking (SQL ``RANK()``, "1224"): equal numbers share a rank and the next rank skips.
Within a rank, rows are listed by id (a stable order: the same data always gives the same list).
Members with no study in the period rank with 0 points, they are never left out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    F,
    FilteredRelation,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, Length, Substr
from django.db.models.functions.window import Rank
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from school.models import Member, Membership, Organization
from school.models.members import MemberStatus

from . import recompute
from .models import RankingKind, RankingSnapshot, RankingSnapshotRow
from .periods import month_key, parse, register_date


def members_with_points(scope: Organization, period: str) -> QuerySet[Any]:
    """The members of ``scope``'s subtree counted by ``period`` (``in_register`` on its register date)
    with ``points``/``entries`` for ``period`` (0 if none) and the organization the period counts them in
    (``counted_in``, ``counted_in_name``: their spell's on that date — before a transfer, the old one)."""
    day = register_date(period)
    qs = (Member.objects.in_register(scope, on=day)
          .annotate(total=FilteredRelation("credit_totals", condition=Q(credit_totals__period=period)))
          .annotate(points=Coalesce(F("total__points"), Value(0), output_field=DecimalField()),
                    entries=Coalesce(F("total__entries"), Value(0))))
    if day >= timezone.localdate():
        return qs.annotate(counted_in=F("organization_id"), counted_in_name=F("organization__name"))
    spell = Membership.objects.covering(day).filter(member_id=OuterRef("pk"))
    return qs.annotate(counted_in=Subquery(spell.values("organization_id")[:1]),
                       counted_in_name=Subquery(spell.values("organization__name")[:1]))


def subtree_members(path: Any, on: dt.date | None = None) -> QuerySet[Any]:
    """The count of ``Member.objects.in_register`` on the day ``on`` (None: today) as a subquery (the
    score rows keep the same number, following every transfer). ``path``: the organization's path (or an
    ``OuterRef`` to it); one row, ``n``."""
    if on is None or on >= timezone.localdate():
        members = Member.objects.filter(status=MemberStatus.ACTIVE, organization__path__startswith=path)
        return members.order_by().values("status").annotate(n=Count("pk")).values("n")
    spells = Membership.objects.covering(on).filter(organization__path__startswith=path)
    # at most one spell per member covers a day; COUNT as a plain function: one row, no GROUP BY
    return spells.order_by().annotate(n=Func(F("member_id"), function="COUNT", output_field=IntegerField())).values("n")


def members_ranked(scope: Organization, period: str, *, by_branch: bool = False) -> QuerySet[Any]:
    """``members_with_points`` with ``rank`` within ``scope`` (or within the organization the period counts
    each member in when ``by_branch``)."""
    qs = members_with_points(scope, period)
    partition: list[Any] = [F("counted_in")] if by_branch else []
    qs = qs.annotate(rank=Window(Rank(), partition_by=partition or None, order_by=F("points").desc()))
    return qs.select_related("organization").order_by("rank", "pk")


def member_rank(member: Member, period: str) -> tuple[int, int] | None:
    """(rank, members) of ``member`` among the members of their own organization (``in_register``: its
    whole subtree, so the home page's 共 N 人 is the number the rankings and dashboards show for it) —
    the organization ``period`` counts them in (their spell on its register date); None if it counts
    them nowhere."""
    organization = (member.organization if register_date(period) >= timezone.localdate()
                    else recompute.register_organization(member.pk, period))
    if organization is None:
        return None
    ranked = list(members_ranked(organization, period).values_list("pk", "rank"))
    for pk, rank in ranked:
        if pk == member.pk:
            return rank, len(ranked)
    return None


def organizations_ranked(scope: Organization, period: str, *, among_siblings: bool = False,
                         children_only: bool = False, kind: str | None = None) -> QuerySet[Any]:
    """Organizations below ``scope`` (its children when ``children_only``; only those of ``kind`` when
    given: like with like) with their score row's numbers for ``period`` (an organization with no row yet
    counts as zero), ranked within the whole subtree or among siblings (same parent). Organizations
    without members (``members_count`` 0, 无党员) are never ranked: they rank among themselves only and
    are listed last (``ranked`` False)."""
    recompute.bring_up_to_date(scope, parse(period))
    qs = Organization.objects.filter(Organization.subtree_q(scope.path)).exclude(pk=scope.pk)
    if children_only:
        qs = qs.filter(depth=scope.depth + 1)
    if kind:
        qs = qs.filter(kind=kind)
    qs = qs.annotate(s=FilteredRelation("scores", condition=Q(scores__period=period))).annotate(
        score=Coalesce(F("s__score"), Value(0.0), output_field=FloatField()),
        # the score row keeps the count (every transfer follows at once); counted when there is none yet
        members_count=Coalesce(F("s__members"), Subquery(subtree_members(OuterRef("path"), register_date(period))),
                               Value(0)),
        participants=Coalesce(F("s__participants"), Value(0)),
        points=Coalesce(F("s__points"), Value(0), output_field=DecimalField()),
        avg_points=Coalesce(F("s__avg_points"), Value(0.0), output_field=FloatField()),
        participation_rate=Coalesce(F("s__participation_rate"), Value(0.0), output_field=FloatField()),
        task_rate=F("s__task_rate"), pass_rate=F("s__pass_rate"))
    qs = qs.annotate(ranked=Case(When(members_count__gt=0, then=Value(True)), default=Value(False),
                                 output_field=BooleanField()))
    partition: list[Any] = [F("ranked")]
    if among_siblings:
        partition.append(Substr("path", 1, Length("path") - Organization.steplen))
    qs = qs.annotate(rank=Window(Rank(), partition_by=partition, order_by=F("score").desc()))
    return qs.order_by("-ranked", "rank", "path")


TIE_BREAK = _("Equal scores share a rank (1, 2, 2, 4); within a rank organizations are listed in "
              "the order of the organization tree. Organizations without members are listed as 无党员 and not ranked.")
MEMBER_TIE_BREAK = _("Equal points share a rank (1, 2, 2, 4); within a rank members are listed in the order they "
                     "were registered.")


# --- Snapshots ------------------------------------------------------------------------------------
# Ranking snapshots: a frozen copy of a ranking for a period. A published snapshot never changes
# (the models refuse saves, updates and deletes); publishing is a conditional UPDATE, safe to repeat.

@transaction.atomic
def take_snapshot(kind: str, scope: Organization, period: str, user: Any = None) -> RankingSnapshot:
    parse(period)
    snapshot = RankingSnapshot.objects.create(kind=kind, scope=scope, period=period,
                                              created_by=user if user is not None and user.is_authenticated else None)
    rows: list[RankingSnapshotRow] = []
    if kind == RankingKind.MEMBERS:
        for m in members_ranked(scope, period):
            rows.append(RankingSnapshotRow(snapshot=snapshot, rank=m.rank, object_id=m.pk, name=m.name,
                                           organization_name=m.counted_in_name, value=float(m.points)))
    else:
        for o in organizations_ranked(scope, period):
            if not o.ranked:  # 无党员: never ranked
                continue
            rows.append(RankingSnapshotRow(snapshot=snapshot, rank=o.rank, object_id=o.pk, name=o.name,
                                           organization_name=o.get_kind_display(), value=float(o.score)))
    RankingSnapshotRow.objects.bulk_create(rows, batch_size=2000)
    return snapshot


def publish(snapshot_id: int) -> bool:
    """True if this call published it; False if it was already published, or another snapshot of the
    same kind, organization and period is (a unique constraint: concurrent publishers, one wins)."""
    try:
        with transaction.atomic():
            return bool(RankingSnapshot.objects.filter(pk=snapshot_id, published=False)
                        .update(published=True, published_at=timezone.now()))
    except IntegrityError:
        return False


def periods_closed_on(day: dt.date) -> list[str]:
    """Periods that ended the day before ``day`` (the scheduled snapshot runs on the 1st)."""
    if day.day != 1:
        return []
    last = day - dt.timedelta(days=1)
    keys = [month_key(last)]
    if last.month % 3 == 0:
        keys.append(f"{last.year}-Q{last.month // 3}")
    if last.month == 12:
        keys.append(str(last.year))
    return keys


def scheduled_snapshots(day: dt.date | None = None) -> list[int]:
    """Run by beat every few hours; acts on the 1st of a month only. Recompute the periods that just closed and publish member and organization rankings of each
    root organization for them. Idempotent per (kind, scope, period): an existing published snapshot
    is kept."""
    keys = periods_closed_on(day or timezone.localdate())
    if not keys:
        return []
    recompute.recompute(keys)
    made = []
    for root in Organization.objects.filter(depth=1):
        for key in keys:
            for kind in RankingKind.values:
                if RankingSnapshot.objects.filter(kind=kind, scope=root, period=key, published=True).exists():
                    continue
                snapshot = take_snapshot(kind, root, key)
                if publish(snapshot.pk):
                    made.append(snapshot.pk)
                else:  # another run published this period's ranking meanwhile: drop the draft
                    RankingSnapshotRow.objects.filter(snapshot_id=snapshot.pk, snapshot__published=False).delete()
                    RankingSnapshot.objects.filter(pk=snapshot.pk, published=False).delete()
    return made
