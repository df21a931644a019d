"""A member's own ledger (积分明细) and rankings (排行榜: own branch and own committee, top N and own place)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from school.models import Member, Organization, OrganizationKind
from school.permissions import member_of

from . import rankings, rules
from .models import CreditEntry, SourceType
from .periods import OVERALL, current_month, parse, updated_label
from .services import capped_points
from .views import scope_updated_at

RANKING_TOP = 10
PAGE_SIZE = 50


def _member(request: HttpRequest) -> Member:
    member = member_of(request.user)
    if member is None:
        raise Http404
    return member


def source_titles(entries: list[CreditEntry]) -> dict[tuple[str, int], str]:
    """What earned each row, as the owning app names its sources for the ledger (``describe`` of
    ``school.credits.rules.register_source_verifier``: page titles, exam titles, 每日答题 <date>)."""
    ids: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        ids[entry.source_type].add(entry.source_id)
    titles: dict[tuple[str, int], str] = {}
    for source_type, pks in ids.items():
        for pk, (title, _url) in rules.describe_sources(source_type, sorted(pks)).items():
            titles[(source_type, pk)] = title
    for entry in entries:  # a practice day no longer on record still has its date
        if entry.source_type == SourceType.PRACTICE:
            titles.setdefault((entry.source_type, entry.source_id), _("Daily practice of %(day)s") % {
                "day": entry.day.strftime("%Y-%m-%d")})
    return titles


@dataclass
class PendingRow:
    title: str
    points: Decimal
    day: dt.date


def pending_rows(member: Member) -> list[PendingRow]:
    """What the member earned but the ledger has not posted yet (today's practice until the day closes), with
    the points the award will give under today's rules and daily caps. Read from the rows the award reads and
    left out once the ledger holds the award, so a closed day is never shown twice."""
    pending = rules.pending_sources(member.pk)
    if not pending:
        return []
    awarded = set(CreditEntry.objects.filter(member=member, source_type__in={p[0] for p in pending}, source_id__in=[
        p[1] for p in pending]).values_list("source_type", "source_id"))
    today = timezone.localdate()
    rows: list[PendingRow] = []
    for source_type, source_id, day, quantity in pending:
        if (source_type, source_id) in awarded:
            continue
        points = Decimal("0")
        for rule, version in rules.active_rules(source_type, day):
            used = sum(CreditEntry.objects.filter(member=member, rule=rule, day=day).values_list("raw_points", flat=True),
                       Decimal("0"))
            points += capped_points(rules.raw_points(rule, version, quantity), used, version.daily_cap)
        if points <= 0:
            continue
        if source_type == SourceType.PRACTICE and day == today:
            title = _("Today's practice (not yet posted)")
        else:
            name = rules.describe_sources(source_type, [source_id]).get(source_id, (str(source_type), None))[0]
            title = _("%(source)s (not yet posted)") % {"source": name}
        rows.append(PendingRow(title, points, day))
    return rows


@require_GET
@login_required
def my_credits(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    entries = CreditEntry.objects.filter(member=member).select_related("rule").order_by("-earned_at", "-id")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    titles = source_titles(rows)
    for row in rows:
        row.source_title = titles.get((row.source_type, row.source_id), row.get_source_type_display())
    pending = pending_rows(member) if page.number == 1 else []
    return render(request, "school/credits/my_credits.html", {"page": page, "rows": rows, "pending": pending})


def _scope(member: Member, kind: str) -> Organization | None:
    """The member's own organization of ``kind`` (itself or its nearest ancestor of that kind)."""
    org = member.organization
    if org.kind == kind:
        return org
    return org.get_ancestors().filter(kind=kind).order_by("-depth").first()


def _ranking(member: Member, scope: Organization, period: str) -> dict[str, Any]:
    ranked = rankings.members_ranked(scope, period)
    top = list(ranked[:RANKING_TOP])
    mine = next((m for m in top if m.pk == member.pk), None)
    if mine is None:  # competition rank: one more than the members with more points
        mine = rankings.members_with_points(scope, period).filter(pk=member.pk).first()
        if mine is not None:
            mine.rank = rankings.members_with_points(scope, period).filter(points__gt=mine.points).count() + 1
    return {"scope": scope, "top": top, "mine": mine, "count": ranked.count(),
            "mine_in_top": any(m.pk == member.pk for m in top),
            "updated": updated_label(scope_updated_at(scope, parse(period)))}


@require_GET
@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    key = request.GET.get("period", "month")
    if key not in ("month", "all"):
        key = "month"
    period = current_month() if key == "month" else OVERALL
    boards = []
    for kind, label in ((OrganizationKind.BRANCH, _("My branch")), (OrganizationKind.COMMITTEE, _("My committee"))):
        scope = _scope(member, kind)
        if scope is not None:
            boards.append({"label": label, **_ranking(member, scope, period)})
    return render(request, "school/credits/ranking.html", {
        "boards": boards, "period": parse(period), "key": key, "top_n": RANKING_TOP,
        "tie_break": rankings.MEMBER_TIE_BREAK})
