"""What a member sees of their own credits: points, rank in their organization, recent history."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from school.hooks import Panel
from school.permissions import member_of

from . import rankings
from .models import CreditEntry, MemberCredit
from .periods import OVERALL, current_month, parse, periods_of_month


def _summary(request: HttpRequest) -> dict[str, Any] | None:
    member = member_of(request.user)
    if member is None:
        return None
    month = current_month()
    keys = periods_of_month(month)
    totals = dict(MemberCredit.objects.filter(member=member, period__in=keys).values_list("period", "points"))
    rank = rankings.member_rank(member, month)
    return {"member": member, "month": parse(month), "month_points": totals.get(month, 0),
            "year_points": totals.get(keys[2], 0), "total_points": totals.get(OVERALL, 0),
            "rank": rank[0] if rank else None, "rank_of": rank[1] if rank else None}


def my_study_panel(request: HttpRequest) -> list[Panel]:
    summary = _summary(request)
    if summary is None:
        return []
    history = list(CreditEntry.objects.filter(member=summary["member"]).select_related("rule")
                   .order_by("-earned_at", "-id")[:20])
    return [Panel("school/credits/panel_my_study.html", order=10, context={**summary, "history": history})]


def home_panel(request: HttpRequest) -> list[Panel]:
    summary = _summary(request)
    return [] if summary is None else [Panel("school/credits/panel_home.html", order=50, context=summary)]
