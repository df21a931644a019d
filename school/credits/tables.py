"""Every statistics table is built here, once: the page renders ``Table.rows`` and the Excel export
writes the very same rows (``exports.workbook``), so the two can never differ."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from school.excel.workbook import Column
from school.models import Member, Organization

from . import rankings
from .models import CreditEntry, RankingKind, RankingSnapshot
from .periods import Period


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)  # drill-down link per row
    link_column: int = 2  # 1-based column that carries the link

    @property
    def linked_rows(self) -> list[tuple[str | None, list[Any]]]:
        return list(zip(self.links or [None] * len(self.rows), self.rows, strict=True))


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def num(value: Decimal | float | int) -> float:
    return round(float(value), 2)


def _org_link(org: Organization, period: Period) -> str:
    return reverse("credits_admin:organization", args=[org.pk]) + f"?period={period.key}"


def children_table(org: Organization, period: Period) -> Table:
    table = Table("children", _("Organizations under %(org)s") % {"org": org.name}, [
        Column("rank", _("Rank among siblings"), width=10), Column("name", _("Organization"), width=28),
        Column("members", _("Members"), width=10), Column("participants", _("Studied"), width=10),
        Column("participation", _("Participation rate"), width=12), Column("avg", _("Average points"), width=12),
        Column("tasks", _("Task completion rate"), width=12), Column("exams", _("Exam pass rate"), width=12),
        Column("score", _("Score"), width=10)])
    for o in rankings.organizations_ranked(org, period.key, among_siblings=True, children_only=True):
        table.rows.append([o.rank, o.name, o.members_count, o.participants, pct(o.participation_rate),
                           num(o.avg_points), pct(o.task_rate), pct(o.pass_rate), num(o.score)])
        table.links.append(_org_link(o, period))
    return table


def organization_ranking_table(org: Organization, period: Period) -> Table:
    table = Table("org_ranking", _("Organization ranking in %(org)s") % {"org": org.name}, [
        Column("rank", _("Rank"), width=8), Column("name", _("Organization"), width=28),
        Column("kind", _("kind"), width=12), Column("members", _("Members"), width=10),
        Column("participation", _("Participation rate"), width=12), Column("avg", _("Average points"), width=12),
        Column("score", _("Score"), width=10)])
    for o in rankings.organizations_ranked(org, period.key):
        table.rows.append([o.rank, o.name, o.get_kind_display(), o.members_count, pct(o.participation_rate),
                           num(o.avg_points), num(o.score)])
        table.links.append(_org_link(o, period))
    return table


def member_ranking_table(org: Organization, period: Period, *, by_branch: bool = False,
                         limit: int | None = None) -> Table:
    title = _("Member ranking by organization") if by_branch else _("Member ranking in %(org)s") % {"org": org.name}
    table = Table("members", title, [
        Column("rank", _("Rank"), width=8), Column("name", pgettext("person", "Name"), width=12),
        Column("organization", _("Organization"), width=28), Column("points", _("Points"), width=10),
        Column("entries", _("Credit entries"), width=10)])
    ranked = rankings.members_ranked(org, period.key, by_branch=by_branch)
    for m in ranked[:limit] if limit else ranked:
        table.rows.append([m.rank, m.name, m.organization.name, num(m.points), m.entries])
        table.links.append(reverse("credits_admin:member", args=[m.pk]) + f"?period={period.key}")
    return table


def idle_members_table(org: Organization, period: Period) -> Table:
    """未学习名单: active members of the subtree without a single ledger row in the period."""
    entries = CreditEntry.objects.filter(member=OuterRef("pk"))
    if period.months:
        entries = entries.filter(month__in=period.months)
    qs = (Member.objects.filter(Organization.subtree_q(org.path, "organization__path"), status="active")
          .filter(~Exists(entries)).select_related("organization").order_by("organization__path", "name", "pk"))
    table = Table("idle", _("Members who have not studied (%(period)s)") % {"period": period.label}, link_column=1, columns=[
        Column("name", pgettext("person", "Name"), width=12), Column("organization", _("Organization"), width=28),
        Column("political_status", _("political status"), width=14), Column("phone", _("mobile phone"), width=16)])
    for m in qs:
        table.rows.append([m.name, m.organization.name, m.get_political_status_display(), m.phone_masked])
        table.links.append(reverse("credits_admin:member", args=[m.pk]) + f"?period={period.key}")
    return table


def ledger_table(member: Member, period: Period) -> Table:
    qs = CreditEntry.objects.filter(member=member).select_related("rule", "rule_version")
    if period.months:
        qs = qs.filter(month__in=period.months)
    table = Table("ledger", _("Credit entries of %(name)s (%(period)s)") % {"name": member.name, "period": period.label}, [
        Column("earned_at", _("Earned at"), width=18), Column("rule", _("Rule"), width=18),
        Column("source", _("Source"), width=12), Column("source_id", _("Source number"), width=10),
        Column("raw", _("Rule points"), width=10), Column("points", _("Counted points"), width=10),
        Column("version", _("Rule version"), width=24)])
    for e in qs.order_by("earned_at", "id"):
        table.rows.append([timezone.localtime(e.earned_at).strftime("%Y-%m-%d %H:%M"), e.rule.name,
                           e.get_source_type_display(), e.source_id, num(e.raw_points), num(e.points),
                           str(e.rule_version)])
        table.links.append(None)
    return table


def snapshot_table(snapshot: RankingSnapshot) -> Table:
    members = snapshot.kind == RankingKind.MEMBERS
    state = _("published") if snapshot.published else _("draft")
    table = Table("snapshot", _("%(kind)s ranking %(period)s (%(state)s)") % {
        "kind": snapshot.get_kind_display(), "period": snapshot.period, "state": state}, [
        Column("rank", _("Rank"), width=8), Column("name", pgettext("person", "Name") if members else _("Organization"), width=24),
        Column("organization", _("Organization") if members else _("kind"), width=24),
        Column("value", _("Points") if members else _("Score"), width=10)])
    for row in snapshot.rows.order_by("rank", "object_id"):
        table.rows.append([row.rank, row.name, row.organization_name, round(row.value, 2)])
        table.links.append(None)
    return table
