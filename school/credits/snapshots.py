"""Ranking snapshots: a frozen copy of a ranking for a period. A published snapshot never changes
(the models refuse saves, updates and deletes); publishing is a conditional UPDATE, safe to repeat."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from school.models import Organization

from . import rankings, recompute
from .models import RankingKind, RankingSnapshot, RankingSnapshotRow
from .periods import month_key, parse


@transaction.atomic
def take_snapshot(kind: str, scope: Organization, period: str, user: Any = None) -> RankingSnapshot:
    parse(period)
    snapshot = RankingSnapshot.objects.create(kind=kind, scope=scope, period=period,
                                              created_by=user if user is not None and user.is_authenticated else None)
    rows: list[RankingSnapshotRow] = []
    if kind == RankingKind.MEMBERS:
        for m in rankings.members_ranked(scope, period):
            rows.append(RankingSnapshotRow(snapshot=snapshot, rank=m.rank, object_id=m.pk, name=m.name,
                                           organization_name=m.organization.name, value=float(m.points)))
    else:
        for o in rankings.organizations_ranked(scope, period):
            rows.append(RankingSnapshotRow(snapshot=snapshot, rank=o.rank, object_id=o.pk, name=o.name,
                                           organization_name=o.get_kind_display(), value=float(o.score)))
    RankingSnapshotRow.objects.bulk_create(rows, batch_size=2000)
    return snapshot


def publish(snapshot_id: int) -> bool:
    """True if this call published it; False if it was already published."""
    return bool(RankingSnapshot.objects.filter(pk=snapshot_id, published=False)
                .update(published=True, published_at=timezone.now()))


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
                publish(snapshot.pk)
                made.append(snapshot.pk)
    return made
