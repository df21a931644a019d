"""Statistics pages for organization departments (Wagtail admin, 统计). Thin views: scope from
``school.permissions`` (another subtree → 404), rows from ``tables``, charts from ``charts``; every
table exports with ``?format=xlsx`` through the same table function."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from school.admin_views.common import org_admin_required, paginate, xlsx_response
from school.models import Member, Organization
from school.permissions import admin_paths, members_visible_to, organizations_visible_to

from . import charts, snapshots, tables
from .exports import workbook
from .models import MemberCredit, OrganizationScore, RankingKind, RankingSnapshot
from .periods import Period, PeriodError, current_month, parse, periods_of_month, recent_months


def bad_request(detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=400, json_dumps_params={"ensure_ascii": False})


def _period(request: HttpRequest) -> Period:
    return parse(request.GET.get("period") or current_month())


def _period_choices(period: Period) -> list[tuple[str, str]]:
    keys: list[str] = []
    for month in reversed(recent_months(12)):
        for key in periods_of_month(month):
            if key not in keys:
                keys.append(key)
    if period.key not in keys:
        keys.insert(0, period.key)
    return [(k, parse(k).label) for k in keys]


def _org(request: HttpRequest, pk: int) -> Organization:
    return get_object_or_404(organizations_visible_to(request.user), pk=pk)


def _breadcrumb(request: HttpRequest, org: Organization) -> list[Organization]:
    visible = organizations_visible_to(request.user)
    return list(visible.filter(path__in=org.ancestor_paths()).order_by("depth"))


def _render_table(request: HttpRequest, table: tables.Table, context: dict[str, Any]) -> HttpResponse:
    if request.GET.get("format") == "xlsx":
        return xlsx_response(workbook(table), f"{table.title}.xlsx")
    page = paginate(request, table.linked_rows, per_page=100)
    query = request.GET.copy()
    query.pop("p", None)
    return render(request, "school/credits/table.html", {
        **context, "table": table, "page": page, "query": query.urlencode()})


def stats_view(view: Any) -> Any:
    """org_admin_required + bad period → 400 with a Chinese message (nothing changes)."""
    @org_admin_required
    @require_GET
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PeriodError as exc:
            return bad_request(str(exc), "bad_period")

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@stats_view
def index(request: HttpRequest) -> HttpResponse:
    paths = admin_paths(request.user)
    org = (Organization.objects.filter(path=paths[0]).first() if paths
           else Organization.objects.filter(depth=1).order_by("path").first())
    if org is None:
        raise Http404
    return redirect("credits_admin:organization", org.pk)


@stats_view
def organization(request: HttpRequest, pk: int) -> HttpResponse:
    """A committee's (or any organization's) score, charts and its child organizations."""
    org = _org(request, pk)
    period = _period(request)
    table = tables.children_table(org, period)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(workbook(table), f"{table.title}.xlsx")
    chart_list = [charts.participation_trend(org, period), charts.credit_distribution(org, period),
                  *charts.by_child_organization(org, period)]
    return render(request, "school/credits/organization.html", {
        "org": org, "period": period, "periods": _period_choices(period), "table": table,
        "top_members": tables.member_ranking_table(org, period, limit=20),
        "score": OrganizationScore.objects.filter(organization=org, period=period.key).first(),
        "breadcrumb": _breadcrumb(request, org), "charts": chart_list,
        "charts_json": json.dumps(chart_list, ensure_ascii=False),
    })


@stats_view
def members(request: HttpRequest, pk: int) -> HttpResponse:
    org = _org(request, pk)
    period = _period(request)
    by_branch = request.GET.get("by") == "branch"
    table = tables.member_ranking_table(org, period, by_branch=by_branch)
    return _render_table(request, table, {"org": org, "period": period, "periods": _period_choices(period),
                                          "breadcrumb": _breadcrumb(request, org), "by_branch": by_branch})


@stats_view
def idle(request: HttpRequest, pk: int) -> HttpResponse:
    org = _org(request, pk)
    period = _period(request)
    return _render_table(request, tables.idle_members_table(org, period), {
        "org": org, "period": period, "periods": _period_choices(period), "breadcrumb": _breadcrumb(request, org)})


@stats_view
def organization_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    org = _org(request, pk)
    period = _period(request)
    return _render_table(request, tables.organization_ranking_table(org, period), {
        "org": org, "period": period, "periods": _period_choices(period), "breadcrumb": _breadcrumb(request, org)})


@stats_view
def member(request: HttpRequest, pk: int) -> HttpResponse:
    """The ledger rows that make a member's number."""
    person: Member = get_object_or_404(members_visible_to(request.user), pk=pk)
    period = _period(request)
    total = MemberCredit.objects.filter(member=person, period=period.key).first()
    return _render_table(request, tables.ledger_table(person, period), {
        "org": person.organization, "member": person, "period": period, "periods": _period_choices(period),
        "breadcrumb": [*_breadcrumb(request, person.organization), person.organization], "total": total})




@stats_view
def snapshot_list(request: HttpRequest, pk: int) -> HttpResponse:
    org = _org(request, pk)
    period = _period(request)
    items = RankingSnapshot.objects.filter(scope=org).order_by("-created_at")[:100]
    return render(request, "school/credits/snapshots.html", {
        "org": org, "period": period, "periods": _period_choices(period), "breadcrumb": _breadcrumb(request, org),
        "snapshots": items, "kinds": RankingKind.choices})


@org_admin_required
@require_POST
def snapshot_create(request: HttpRequest, pk: int) -> HttpResponse:
    org = _org(request, pk)
    kind = request.POST.get("kind", "")
    try:
        period = parse(request.POST.get("period", ""))
    except PeriodError as exc:
        return bad_request(str(exc), "bad_period")
    if kind not in RankingKind.values:
        return bad_request(_("Unknown ranking kind."), "bad_kind")
    snapshots.take_snapshot(kind, org, period.key, request.user)
    messages.success(request, _("Snapshot taken."))
    return redirect(reverse("credits_admin:snapshots", args=[org.pk]) + f"?period={period.key}")


@org_admin_required
@require_POST
def snapshot_publish(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = _snapshot(request, pk)
    if snapshots.publish(snapshot.pk):
        messages.success(request, _("Ranking published; it can no longer change."))
    else:
        messages.warning(request, _("A published ranking cannot be changed."))
    return redirect("credits_admin:snapshot", snapshot.pk)


@stats_view
def snapshot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = _snapshot(request, pk)
    period = parse(snapshot.period)
    return _render_table(request, tables.snapshot_table(snapshot), {
        "org": snapshot.scope, "period": period, "periods": _period_choices(period),
        "breadcrumb": _breadcrumb(request, snapshot.scope), "snapshot": snapshot})


def _snapshot(request: HttpRequest, pk: int) -> RankingSnapshot:
    snapshot = get_object_or_404(RankingSnapshot.objects.select_related("scope"), pk=pk)
    if not organizations_visible_to(request.user).filter(pk=snapshot.scope_id).exists():
        raise Http404
    return snapshot
