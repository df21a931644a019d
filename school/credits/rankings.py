"""Rankings, computed by the database with window functions.

Competition ranking (SQL ``RANK()``, "1224"): equal numbers share a rank and the next rank skips.
Within a rank, rows are listed by id (a stable order: the same data always gives the same list).
Members with no study in the period rank with 0 points, they are never left out.
"""

from __future__ import annotations

from typing import Any

from django.db.models import DecimalField, F, FilteredRelation, FloatField, Q, QuerySet, Value
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, Length, Substr
from django.db.models.functions.window import Rank

from school.models import Member, Organization
from school.models.members import MemberStatus


def members_with_points(scope: Organization, period: str) -> QuerySet[Any]:
    """Active members of ``scope``'s subtree with ``points``/``entries`` for ``period`` (0 if none)."""
    return (Member.objects.filter(Organization.subtree_q(scope.path, "organization__path"), status=MemberStatus.ACTIVE)
          .annotate(total=FilteredRelation("credit_totals", condition=Q(credit_totals__period=period)))
          .annotate(points=Coalesce(F("total__points"), Value(0), output_field=DecimalField()),
                    entries=Coalesce(F("total__entries"), Value(0))))


def members_ranked(scope: Organization, period: str, *, by_branch: bool = False) -> QuerySet[Any]:
    """``members_with_points`` with ``rank`` within ``scope`` (or within each member's own
    organization when ``by_branch``)."""
    qs = members_with_points(scope, period)
    partition: list[Any] = [F("organization_id")] if by_branch else []
    qs = qs.annotate(rank=Window(Rank(), partition_by=partition or None, order_by=F("points").desc()))
    return qs.select_related("organization").order_by("rank", "pk")


def member_rank(member: Member, period: str) -> tuple[int, int] | None:
    """(rank, members) of ``member`` within their own organization for ``period``."""
    ranked = list(members_ranked(member.organization, period, by_branch=True)
                  .filter(organization_id=member.organization_id).values_list("pk", "rank"))
    for pk, rank in ranked:
        if pk == member.pk:
            return rank, len(ranked)
    return None


def organizations_ranked(scope: Organization, period: str, *, among_siblings: bool = False,
                         children_only: bool = False) -> QuerySet[Any]:
    """Organizations below ``scope`` (its children when ``children_only``) with their score row's
    numbers for ``period`` (an organization with no row yet counts as zero), ranked within the whole
    subtree or among siblings (same parent)."""
    qs = Organization.objects.filter(Organization.subtree_q(scope.path)).exclude(pk=scope.pk)
    if children_only:
        qs = qs.filter(depth=scope.depth + 1)
    qs = qs.annotate(s=FilteredRelation("scores", condition=Q(scores__period=period))).annotate(
        score=Coalesce(F("s__score"), Value(0.0), output_field=FloatField()),
        members_count=Coalesce(F("s__members"), Value(0)),
        participants=Coalesce(F("s__participants"), Value(0)),
        points=Coalesce(F("s__points"), Value(0), output_field=DecimalField()),
        avg_points=Coalesce(F("s__avg_points"), Value(0.0), output_field=FloatField()),
        participation_rate=Coalesce(F("s__participation_rate"), Value(0.0), output_field=FloatField()),
        task_rate=F("s__task_rate"), pass_rate=F("s__pass_rate"))
    partition: list[Any] = []
    if among_siblings:
        partition = [Substr("path", 1, Length("path") - Organization.steplen)]
    qs = qs.annotate(rank=Window(Rank(), partition_by=partition or None, order_by=F("score").desc()))
    return qs.order_by("rank", "path")
