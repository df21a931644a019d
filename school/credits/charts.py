"""Data of the statistics charts (drawn by ECharts from static/vendor/echarts, see credits-charts.js)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from school.models import Organization

from . import rankings
from .models import OrganizationScore
from .periods import Period, recent_months

BINS = [0, 1, 5, 10, 20, 50]


def participation_trend(org: Organization, period: Period) -> dict[str, Any]:
    until = period.months[-1] if period.months else None
    months = recent_months(12, until)
    rows = dict(OrganizationScore.objects.filter(organization=org, period__in=months)
                .values_list("period", "participation_rate"))
    return {"title": _("Participation trend"), "type": "line", "labels": months,
            "series": [{"name": _("Participation rate"), "data": [round(rows.get(m, 0) * 100, 1) for m in months]}],
            "unit": "%"}


def by_child_organization(org: Organization, period: Period) -> list[dict[str, Any]]:
    children = list(rankings.organizations_ranked(org, period.key, children_only=True).order_by("path"))
    labels = [c.name for c in children]

    def rate(values: list[float | None]) -> list[float | None]:
        return [None if v is None else round(v * 100, 1) for v in values]

    charts: list[dict[str, Any]] = [
        {"key": "completion", "title": _("Completion by organization"), "type": "bar", "labels": labels, "unit": "%",
         "series": [{"name": _("Participation rate"), "data": rate([c.participation_rate for c in children])}]},
        {"key": "pass_rate", "title": _("Exam pass rate by organization"), "type": "bar", "labels": labels,
         "unit": "%", "series": [{"name": _("Exam pass rate"), "data": rate([c.pass_rate for c in children])}],
         "empty": all(c.pass_rate is None for c in children)},
        {"key": "tasks", "title": _("Study task completion"), "type": "bar", "labels": labels, "unit": "%",
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
    return {"title": _("Credit distribution"), "type": "bar", "labels": labels,
            "series": [{"name": _("Members"), "data": [counts[f"b{i}"] for i in range(len(bands))]}], "unit": ""}
