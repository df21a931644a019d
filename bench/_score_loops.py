"""The naive recompute of ``bench/scores.py``: a Python loop over organizations, one at a time.

``full_loop`` does per organization what the set-based recompute does for all of them at once
(``school.credits.recompute``): re-applies the daily caps to its own members' ledger rows of the period
(in Python, in the same (earned_at, id) order as the incremental path), compares their month and period
totals with the stored ones and writes those that differ, then sums its whole subtree (members,
participants and points from the period totals, task and exam metrics) into its score with the active
scheme's four weights. A handful of queries per organization, none per member or ledger row.

``org_only_loop`` is the lighter loop the bench printed first: subtree sums straight from the ledger
(no caps, no member totals, two of the four score components), one aggregate query per organization.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum

from school.credits import recompute
from school.credits.models import (
    CreditEntry,
    CreditRuleVersion,
    MemberCredit,
    MemberMetric,
    OrganizationScore,
    ScoreScheme,
)
from school.credits.periods import Period, register_date
from school.credits.services import capped_points
from school.models import Member, Organization

ZERO = Decimal("0")


def full_loop(sample: list[Organization], period: Period) -> float:
    caps = {pk: cap for pk, cap in CreditRuleVersion.objects.filter(daily_cap__isnull=False)
            .values_list("pk", "daily_cap") if cap is not None}
    scheme = recompute.active_scheme()
    started = time.perf_counter()
    for org in sample:
        member_ids = list(Member.objects.filter(organization=org).values_list("pk", flat=True))
        if member_ids:
            _member_totals(member_ids, period, caps)
        _organization_score(org, period, scheme)
    return time.perf_counter() - started


def _member_totals(member_ids: list[int], period: Period, caps: dict[int, Decimal]) -> None:
    rows = (CreditEntry.objects.filter(month__in=period.months, member_id__in=member_ids)
            .order_by("member_id", "rule_id", "day", "earned_at", "id")
            .values_list("id", "member_id", "rule_id", "rule_version_id", "day", "month", "raw_points", "points"))
    used: dict[tuple[int, int, dt.date], Decimal] = defaultdict(lambda: ZERO)
    totals: dict[tuple[int, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for entry_id, member_id, rule_id, version_id, day, month, raw, points in rows:
        before = used[member_id, rule_id, day]
        used[member_id, rule_id, day] = before + raw
        new = capped_points(raw, before, caps.get(version_id))
        if new != points:
            CreditEntry.objects.filter(pk=entry_id).update(points=new)
        for key in (month, period.key):
            total = totals[member_id, key]
            total[0] += new
            total[1] += 1
    stored = {(m, k): (pk, p, n) for pk, m, k, p, n in MemberCredit.objects.filter(
        member_id__in=member_ids, period__in=[*period.months, period.key]).values_list(
        "pk", "member_id", "period", "points", "entries")}
    for (member_id, key), (points, entries) in totals.items():
        old = stored.pop((member_id, key), None)
        if old is None:
            MemberCredit.objects.create(member_id=member_id, period=key, points=points, entries=int(entries))
        elif (old[1], old[2]) != (points, entries):
            MemberCredit.objects.filter(pk=old[0]).update(points=points, entries=int(entries))
    if stored:
        MemberCredit.objects.filter(pk__in=[pk for pk, _p, _n in stored.values()]).delete()


def _organization_score(org: Organization, period: Period, scheme: ScoreScheme) -> None:
    members = Member.objects.in_register(org, on=register_date(period))  # the recompute's members of the period
    count = members.count()
    agg = MemberCredit.objects.filter(period=period.key, member__in=members).aggregate(
        points=Sum("points"), participants=Count("pk", filter=Q(entries__gt=0)))
    metrics = {row["metric"]: (row["done"] or 0, row["total"] or 0) for row in MemberMetric.objects.filter(
        period=period.key, member__in=members).values("metric").annotate(done=Sum("done"), total=Sum("total"))}
    points = float(agg["points"] or 0)
    avg = points / count if count else 0.0
    part = (agg["participants"] or 0) / count if count else 0.0
    rates = {name: done / total for name, (done, total) in metrics.items() if total}
    target = float(scheme.monthly_target) * period.month_count
    weighted = [(scheme.weight_credits, min(1.0, avg / target)),
                (scheme.weight_participation, part)]
    if "tasks" in rates:
        weighted.append((scheme.weight_tasks, rates["tasks"]))
    if "exams" in rates:
        weighted.append((scheme.weight_exams, rates["exams"]))
    weights = sum(w for w, _v in weighted)
    score = 100 * sum(w * v for w, v in weighted) / weights if weights else 0.0
    OrganizationScore.objects.filter(organization=org, period=period.key).update(
        members=count, participants=agg["participants"] or 0, points=round(points, 2), avg_points=round(avg, 4),
        participation_rate=round(part, 4), task_rate=rates.get("tasks"), pass_rate=rates.get("exams"),
        score=round(score, 2))


def org_only_loop(sample: list[Organization], period: Period) -> float:
    scheme = recompute.active_scheme()
    target = float(scheme.monthly_target) * period.month_count
    started = time.perf_counter()
    for org in sample:
        members = Member.objects.in_register(org, on=register_date(period))
        agg = CreditEntry.objects.filter(month__in=period.months, member__in=members).aggregate(
            points=Sum("points"), participants=Count("member_id", distinct=True))
        n = members.count()
        pts = float(agg["points"] or 0)
        avg = pts / n if n else 0.0
        part = (agg["participants"] or 0) / n if n else 0.0
        score = 100 * (scheme.weight_credits * min(1.0, avg / target) + scheme.weight_participation * part) / (
            scheme.weight_credits + scheme.weight_participation)
        OrganizationScore.objects.filter(organization=org, period=period.key).update(
            members=n, participants=agg["participants"] or 0, avg_points=round(avg, 4), score=round(score, 2))
    return time.perf_counter() - started
