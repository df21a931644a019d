"""Statistics pages for organization departments (Wagtail admin, 统计). Thin views: scope from
``school.permissions`` (another subtree → 404), rows from the table functions (Tables, below), chart
data (Charts), the Excel export of a table (Exports) and the member-site panels (Member panels); every
table exports with ``?format=xlsx`` through the same table function."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from school.admin_views.common import org_admin_required, paginate, xlsx_response
from school.excel.workbook import Column, Sheet, build_sheets
from school.hooks import Panel
from school.models import Member, Organization
from school.models.organizations import OrganizationKind
from school.permissions import admin_paths, member_of, members_visible_to, organizations_visible_to
from school.services.notifications import reminder_status, request_reminders

from . import rankings, recompute, rules, services
from .models import (
    CreditEntry,
    MemberCredit,
    OrganizationScore,
    RankingKind,
    RankingSnapshot,
    RecomputeRequest,
)
from .periods import (
    OVERALL,
    Period,
    PeriodError,
    current_month,
    parse,
    periods_of_month,
    recent_months,
    updated_label,
)


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


def _render_table(request: HttpRequest, table: Table, context: dict[str, Any]) -> HttpResponse:
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
    recompute.bring_up_to_date(org, period)
    table = children_table(org, period)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(workbook(table), f"{table.title}.xlsx")
    chart_list = [participation_trend(org, period), credit_distribution(org, period),
                  *by_child_organization(org, period)]
    return render(request, "school/credits/organization.html", {
        "org": org, "period": period, "periods": _period_choices(period), "table": table,
        "top_members": member_ranking_table(org, period, limit=20),
        "score": OrganizationScore.objects.filter(organization=org, period=period.key).first(),
        "updated_label": updated_label(scope_updated_at(org, period)),
        # the latest request whose recompute covers this organization (its own, or one above it)
        "recompute": RecomputeRequest.objects.filter(organization__path__in=[*org.ancestor_paths(), org.path])
                                             .select_related("organization").first(),
        "breadcrumb": _breadcrumb(request, org), "charts": chart_list,
        "chart_blocks": [(chart, chart_table_rows(chart)) for chart in chart_list],
        "charts_json": json.dumps(chart_list, ensure_ascii=False),
    })


@stats_view
def members(request: HttpRequest, pk: int) -> HttpResponse:
    org = _org(request, pk)
    period = _period(request)
    by_branch = request.GET.get("by") == "branch"
    table = member_ranking_table(org, period, by_branch=by_branch)
    return _render_table(request, table, {"org": org, "period": period, "periods": _period_choices(period),
                                          "breadcrumb": _breadcrumb(request, org), "by_branch": by_branch})


@stats_view
def idle(request: HttpRequest, pk: int) -> HttpResponse:
    org = _org(request, pk)
    period = _period(request)
    return _render_table(request, idle_members_table(org, period), {
        "org": org, "period": period, "periods": _period_choices(period), "breadcrumb": _breadcrumb(request, org),
        "remind_url": reverse("credits_admin:idle_remind", args=[org.pk]) + f"?period={period.key}",
        "reminded": reminder_status(_idle_key(org, period))})


def _idle_key(org: Organization, period: Period) -> str:
    return f"idle:{org.pk}:{period.key}"


@org_admin_required
@require_POST
def idle_remind(request: HttpRequest, pk: int) -> HttpResponse:
    """一键提醒 from 未学习名单: remind everyone listed (inside the caller's scope) to study."""
    org = _org(request, pk)
    try:
        period = parse(request.GET.get("period", ""))
    except PeriodError as exc:
        return bad_request(str(exc), "bad_period")
    ids = idle_members(org, period).filter(pk__in=members_visible_to(request.user).values("pk")).values_list(
        "pk", flat=True)
    listed = request_reminders(request.user, list(ids), item_key=_idle_key(org, period), url="/",
                               title=_("Please take part in study (%(period)s)") % {"period": period.label})
    messages.success(request, _("Reminding %(count)d members (each member at most once a day).") % {"count": listed})
    return redirect(reverse("credits_admin:idle", args=[org.pk]) + f"?period={period.key}")


def _ranking_kinds(org: Organization) -> list[tuple[str, str]]:
    present = set(Organization.objects.filter(Organization.subtree_q(org.path)).exclude(pk=org.pk)
                  .values_list("kind", flat=True).distinct())
    return [(value, str(label)) for value, label in OrganizationKind.choices if value in present]


@stats_view
def organization_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    """Organizations ranked like with like: one kind at a time (党支部 with 党支部), default 党支部."""
    org = _org(request, pk)
    period = _period(request)
    kinds = _ranking_kinds(org)
    values = [value for value, _label in kinds]
    kind = request.GET.get("kind") or (OrganizationKind.BRANCH if OrganizationKind.BRANCH in values
                                       else values[0] if values else "")
    if kind and kind not in values:
        return bad_request(_("Unknown organization kind."), "bad_kind")
    return _render_table(request, organization_ranking_table(org, period, kind or None), {
        "org": org, "period": period, "periods": _period_choices(period), "breadcrumb": _breadcrumb(request, org),
        "kinds": kinds, "kind": kind})


@stats_view
def member(request: HttpRequest, pk: int) -> HttpResponse:
    """The ledger rows that make a member's number."""
    person: Member = get_object_or_404(members_visible_to(request.user), pk=pk)
    period = _period(request)
    total = MemberCredit.objects.filter(member=person, period=period.key).first()
    return _render_table(request, ledger_table(person, period), {
        "org": person.organization, "member": person, "period": period, "periods": _period_choices(period),
        "breadcrumb": _breadcrumb(request, person.organization), "total": total})




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
    rankings.take_snapshot(kind, org, period.key, request.user)
    messages.success(request, _("Snapshot taken."))
    return redirect(reverse("credits_admin:snapshots", args=[org.pk]) + f"?period={period.key}")


@org_admin_required
@require_POST
def recompute_request(request: HttpRequest, pk: int) -> HttpResponse:
    """立即重新计算: queue a recompute of the organization's statistics (the current periods and the one
    shown); a second request while one is queued or running only says so."""
    org = _org(request, pk)
    try:
        period = parse(request.POST.get("period") or current_month())
    except PeriodError as exc:
        return bad_request(str(exc), "bad_period")
    keys = periods_of_month(current_month())
    if period.key not in keys:
        keys.append(period.key)
    try:
        services.do_request_recompute(org, keys, request.user)
    except services.RecomputeBusy as busy:
        messages.warning(request, _("A recompute of %(org)s is already %(state)s (%(done)s of %(total)s periods done).") % {
            "org": busy.active.organization.name if busy.active.organization_id else org.name, "state": busy.active.get_state_display(), "done": busy.active.steps_done,
            "total": busy.active.steps_total})
    else:
        messages.success(request, _("Recompute of %(org)s queued; its progress is shown on this page.") % {
            "org": org.name})
    return redirect(reverse("credits_admin:organization", args=[org.pk]) + f"?period={period.key}")


@org_admin_required
@require_POST
def snapshot_publish(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = _snapshot(request, pk)
    if rankings.publish(snapshot.pk):
        messages.success(request, _("Ranking published; it can no longer change."))
    else:
        messages.warning(request, _("A published ranking cannot be changed."))
    return redirect("credits_admin:snapshot", snapshot.pk)


@stats_view
def snapshot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = _snapshot(request, pk)
    period = parse(snapshot.period)
    return _render_table(request, snapshot_table(snapshot), {
        "org": snapshot.scope, "period": period, "periods": _period_choices(period),
        "breadcrumb": _breadcrumb(request, snapshot.scope), "snapshot": snapshot})


def _snapshot(request: HttpRequest, pk: int) -> RankingSnapshot:
    snapshot = get_object_or_404(RankingSnapshot.objects.select_related("scope"), pk=pk)
    if not organizations_visible_to(request.user).filter(pk=snapshot.scope_id).exists():
        raise Http404
    return snapshot


# --- Tables ---------------------------------------------------------------------------------------
# Every statistics table is built here, once: the page renders ``Table.rows`` and the Excel export
# writes the very same rows (``exports.workbook``), so the two can never differ.

@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)  # drill-down link per row
    link_column: int = 2  # 1-based column that carries the link
    note: str = ""  # shown under the table (how ties are broken)
    updated_at: dt.datetime | None = None  # 数据更新于: when the numbers shown last changed

    @property
    def updated_label(self) -> str:
        return updated_label(self.updated_at)

    @property
    def linked_rows(self) -> list[tuple[str | None, list[Any]]]:
        return list(zip(self.links or [None] * len(self.rows), self.rows, strict=True))


def scope_updated_at(org: Organization, period: Period) -> dt.datetime | None:
    """The newest change of the numbers of ``org``'s subtree in ``period``: when the newest event they
    include was applied (its month score row follows every event below it; a longer period's numbers
    are brought up to date from those events when read, so its newest month row's is theirs)."""
    return recompute.newest_change(org, period)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def num(value: Decimal | float | int) -> float:
    return round(float(value), 2)


def _org_link(org: Organization, period: Period) -> str:
    return reverse("credits_admin:organization", args=[org.pk]) + f"?period={period.key}"


def children_table(org: Organization, period: Period) -> Table:
    table = Table("children", _("Organizations under %(org)s") % {"org": org.name}, note=str(rankings.TIE_BREAK),
                  columns=[
        Column("rank", _("Rank among siblings"), width=10), Column("name", _("Organization"), width=28),
        Column("members", _("Members"), width=10), Column("participants", _("Studied"), width=10),
        Column("participation", _("Participation rate"), width=12), Column("avg", _("Average points"), width=12),
        Column("tasks", _("Task completion rate"), width=12), Column("exams", _("Exam pass rate"), width=12),
        Column("score", _("Score"), width=10)])
    table.updated_at = scope_updated_at(org, period)
    for o in rankings.organizations_ranked(org, period.key, among_siblings=True, children_only=True):
        table.rows.append([_rank(o), o.name, o.members_count, o.participants, pct(o.participation_rate),
                           num(o.avg_points), pct(o.task_rate), pct(o.pass_rate), num(o.score)])
        table.links.append(_org_link(o, period))
    return table


def _rank(o: Any) -> int | str:
    return o.rank if o.ranked else _("No members")


def organization_ranking_table(org: Organization, period: Period, kind: str | None = None) -> Table:
    title = _("Organization ranking in %(org)s") % {"org": org.name}
    if kind:
        title = _("%(kind)s ranking in %(org)s") % {"kind": OrganizationKind(kind).label, "org": org.name}
    table = Table("org_ranking", title, note=str(rankings.TIE_BREAK), columns=[
        Column("rank", _("Rank"), width=8), Column("name", _("Organization"), width=28),
        Column("kind", _("kind"), width=12), Column("members", _("Members"), width=10),
        Column("participation", _("Participation rate"), width=12), Column("avg", _("Average points"), width=12),
        Column("score", _("Score"), width=10)])
    table.updated_at = scope_updated_at(org, period)
    for o in rankings.organizations_ranked(org, period.key, kind=kind):
        table.rows.append([_rank(o), o.name, o.get_kind_display(), o.members_count, pct(o.participation_rate),
                           num(o.avg_points), num(o.score)])
        table.links.append(_org_link(o, period))
    return table


def member_ranking_table(org: Organization, period: Period, *, by_branch: bool = False,
                         limit: int | None = None) -> Table:
    title = _("Member ranking by organization") if by_branch else _("Member ranking in %(org)s") % {"org": org.name}
    table = Table("members", title, note=str(rankings.MEMBER_TIE_BREAK), columns=[
        Column("rank", _("Rank"), width=8), Column("name", pgettext("person", "Name"), width=12),
        Column("organization", _("Organization"), width=28), Column("points", _("Points"), width=10),
        Column("entries", _("Credit entries"), width=10)])
    table.updated_at = scope_updated_at(org, period)
    ranked = rankings.members_ranked(org, period.key, by_branch=by_branch)
    for m in ranked[:limit] if limit else ranked:
        table.rows.append([m.rank, m.name, m.counted_in_name, num(m.points), m.entries])
        table.links.append(reverse("credits_admin:member", args=[m.pk]) + f"?period={period.key}")
    return table


def idle_members(org: Organization, period: Period) -> Any:
    entries = CreditEntry.objects.filter(member=OuterRef("pk"))
    if period.months:
        entries = entries.filter(month__in=period.months)
    return Member.objects.filter(Organization.subtree_q(org.path, "organization__path"), status="active").filter(
        ~Exists(entries))


def idle_members_table(org: Organization, period: Period) -> Table:
    """未学习名单: active members of the subtree without a single ledger row in the period."""
    qs = idle_members(org, period).select_related("organization").order_by("organization__path", "name", "pk")
    table = Table("idle", _("Members who have not studied (%(period)s)") % {"period": period.label}, link_column=1, columns=[
        Column("name", pgettext("person", "Name"), width=12), Column("organization", _("Organization"), width=28),
        Column("political_status", _("political status"), width=14), Column("phone", _("mobile phone"), width=16)])
    table.updated_at = scope_updated_at(org, period)
    for m in qs:
        table.rows.append([m.name, m.organization.name, m.get_political_status_display(), m.phone_masked])
        table.links.append(reverse("credits_admin:member", args=[m.pk]) + f"?period={period.key}")
    return table


def ledger_table(member: Member, period: Period) -> Table:
    """A member's ledger rows, each with its source's title (linked to it), the rule and its version
    and the daily cap it met (how many points the cap cut)."""
    qs = CreditEntry.objects.filter(member=member).select_related("rule", "rule_version")
    if period.months:
        qs = qs.filter(month__in=period.months)
    table = Table("ledger", _("Credit entries of %(name)s (%(period)s)") % {"name": member.name, "period": period.label},
                  link_column=4, columns=[
        Column("earned_at", _("Earned at"), width=18), Column("rule", _("Rule"), width=18),
        Column("source", _("Source"), width=12), Column("source_title", _("Source title"), width=30),
        Column("raw", _("Rule points"), width=10), Column("points", _("Counted points"), width=10),
        Column("version", _("Rule version"), width=24), Column("cap", _("Daily cap applied"), width=18)])
    table.updated_at = qs.aggregate(newest=Max("created_at"))["newest"]
    entries = list(qs.order_by("earned_at", "id"))
    names: dict[tuple[str, int], tuple[str, str | None]] = {}
    for source_type in {e.source_type for e in entries}:
        ids = sorted({e.source_id for e in entries if e.source_type == source_type})
        for source_id, described in rules.describe_sources(source_type, ids).items():
            names[(source_type, source_id)] = described
    for e in entries:
        title, url = names.get((e.source_type, e.source_id), (_("(deleted, no. %(id)s)") % {"id": e.source_id}, None))
        cap = e.rule_version.daily_cap
        cut = e.raw_points - e.points
        cap_text = "" if cap is None else (
            _("cap %(cap)s, cut %(cut)s") % {"cap": num(cap), "cut": num(cut)} if cut else _("cap %(cap)s") % {
                "cap": num(cap)})
        table.rows.append([timezone.localtime(e.earned_at).strftime("%Y-%m-%d %H:%M"), e.rule.name,
                           e.get_source_type_display(), title, num(e.raw_points), num(e.points),
                           str(e.rule_version), cap_text])
        table.links.append(url)
    return table


def snapshot_table(snapshot: RankingSnapshot) -> Table:
    members = snapshot.kind == RankingKind.MEMBERS
    state = _("published") if snapshot.published else _("draft")
    table = Table("snapshot", _("%(kind)s ranking %(period)s (%(state)s)") % {
        "kind": snapshot.get_kind_display(), "period": snapshot.period, "state": state},
        note=str(rankings.MEMBER_TIE_BREAK if members else rankings.TIE_BREAK),
        updated_at=snapshot.created_at,  # its rows are the numbers as they were when it was taken
        columns=[
        Column("rank", _("Rank"), width=8), Column("name", pgettext("person", "Name") if members else _("Organization"), width=24),
        Column("organization", _("Organization") if members else _("kind"), width=24),
        Column("value", _("Points") if members else _("Score"), width=10)])
    for row in snapshot.rows.order_by("rank", "object_id"):
        table.rows.append([row.rank, row.name, row.organization_name, round(row.value, 2)])
        table.links.append(None)
    return table


# --- Charts ---------------------------------------------------------------------------------------
# Data of the statistics charts (drawn by ECharts from static/vendor/echarts, see credits-charts.js).

BINS = [0, 1, 5, 10, 20, 50]


def participation_trend(org: Organization, period: Period) -> dict[str, Any]:
    until = period.months[-1] if period.months else None
    months = recent_months(12, until)
    rows = dict(OrganizationScore.objects.filter(organization=org, period__in=months)
                .values_list("period", "participation_rate"))
    return {"title": _("Participation trend"), "type": "line", "labels": months, "axis": _("Month"),
            "series": [{"name": _("Participation rate"), "data": [round(rows.get(m, 0) * 100, 1) for m in months]}],
            "unit": "%", "empty": not rows}


def by_child_organization(org: Organization, period: Period) -> list[dict[str, Any]]:
    children = list(rankings.organizations_ranked(org, period.key, children_only=True).order_by("path"))
    labels = [c.name for c in children]
    axis = pgettext("chart axis", "Organization")

    def rate(values: list[float | None]) -> list[float | None]:
        return [None if v is None else round(v * 100, 1) for v in values]

    charts: list[dict[str, Any]] = [
        {"key": "completion", "title": _("Completion by organization"), "type": "bar", "labels": labels, "unit": "%",
         "axis": axis,
         "series": [{"name": _("Participation rate"), "data": rate([c.participation_rate for c in children])}],
         "empty": not children},
        {"key": "pass_rate", "title": _("Exam pass rate by organization"), "type": "bar", "labels": labels,
         "unit": "%", "axis": axis, "series": [{"name": _("Exam pass rate"), "data": rate([c.pass_rate for c in children])}],
         "empty": all(c.pass_rate is None for c in children)},
        {"key": "tasks", "title": _("Study task completion"), "type": "bar", "labels": labels, "unit": "%",
         "axis": axis,
         "series": [{"name": _("Task completion rate"), "data": rate([c.task_rate for c in children])}],
         "empty": all(c.task_rate is None for c in children)},
    ]
    return charts


def credit_distribution(org: Organization, period: Period) -> dict[str, Any]:
    """Members of the subtree by points band (members with no study are in the first band); one query."""
    bands = list(zip(BINS, [*BINS[1:], None], strict=True))
    counts = rankings.members_with_points(org, period.key).aggregate(**{
        f"b{i}": Count("pk", filter=Q(points__gte=low) & (Q() if high is None else Q(points__lt=high)))
        for i, (low, high) in enumerate(bands)})
    labels = [f"≥{low}" if high is None else f"{low}–{high}" for low, high in bands]
    data = [counts[f"b{i}"] for i in range(len(bands))]
    return {"title": _("Credit distribution"), "type": "bar", "labels": labels, "axis": _("Points band"),
            "series": [{"name": _("Members"), "data": data}], "unit": "", "empty": not any(data)}


def chart_table_rows(chart: dict[str, Any]) -> list[list[Any]]:
    """The table a chart is drawn from (one row per label, one column per series; nothing when the chart
    says 暂无数据), shown under the chart one click away."""
    if chart.get("empty"):
        return []
    return [[label, *(s["data"][i] for s in chart["series"])] for i, label in enumerate(chart["labels"])]


# --- Exports --------------------------------------------------------------------------------------
# Excel export of a statistics table: the rows the page shows, nothing recomputed.

def workbook(table: Table) -> bytes:
    """The rows of the page on the first sheet — rates, averages and times as numbers and dates (see
    Column.kind) —; a second sheet (说明) says when the data was updated (数据更新于) and how ties are broken."""
    columns = [dataclasses.replace(c, kind=c.kind or "auto") for c in table.columns]
    notes = [[table.title], [table.updated_label], *([[table.note]] if table.note else [])]
    return build_sheets([Sheet(table.title, columns, table.rows),
                         Sheet(_("About this table"), [Column("note", _("About this table"), width=80)], notes)])


# --- Member panels --------------------------------------------------------------------------------
# What a member sees of their own credits: points, rank in their organization, recent history.

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
