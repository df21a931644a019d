"""The SQL that turns an organization's subtree sums into rates and a score. The incremental path and
the set-based recompute run the SAME statements (the incremental one restricted to the organizations
it touched), so both give identical numbers.

score = 100 × Σ wᵢ·cᵢ / Σ wᵢ over the components present: credits (average member points ÷ target,
capped at 1), participation rate, task completion rate, exam pass rate. A component whose metric is
not provided (no app registered it, or nobody in the subtree had a task/exam) drops out and the
remaining weights renormalize. In "children" mode an organization with child organizations scores
the plain average of its children's scores (a child with no row scores 0), computed bottom-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import connection

from school.models import Organization

from .models import OrganizationScore, ScoreMode, ScoreScheme
from .periods import Period

DEFAULT_SCHEME = ScoreScheme(name="default")


def active_scheme() -> ScoreScheme:
    return ScoreScheme.objects.filter(active=True).order_by("-pk").first() or DEFAULT_SCHEME


def _tables() -> tuple[str, str]:
    return OrganizationScore._meta.db_table, Organization._meta.db_table


def _in(ids: Sequence[int] | None, column: str) -> tuple[str, list[int]]:
    if ids is None:
        return "", []
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def update_derived(period: Period, scheme: ScoreScheme, organization_ids: Sequence[int] | None = None) -> None:
    score_t, _org = _tables()
    target = float(Decimal(scheme.monthly_target) * period.month_count)
    wc, wp, wt, we = (scheme.weight_credits, scheme.weight_participation, scheme.weight_tasks, scheme.weight_exams)
    extra, extra_params = _in(organization_ids, "organization_id")
    derived = {
        "avg_points": "CASE WHEN members > 0 THEN ROUND(points * 1.0 / members, 4) ELSE 0 END",
        "participation_rate": "CASE WHEN members > 0 THEN ROUND(participants * 1.0 / members, 4) ELSE 0 END",
        "task_rate": "CASE WHEN task_total > 0 THEN ROUND(task_done * 1.0 / task_total, 4) ELSE NULL END",
        "pass_rate": "CASE WHEN exam_total > 0 THEN ROUND(exam_passed * 1.0 / exam_total, 4) ELSE NULL END",
    }
    # Rows whose numbers would not change are not written: on PostgreSQL every UPDATE of a row leaves
    # a dead row version behind, and a scheduled recompute would otherwise rewrite every score row.
    sql = f"""
        UPDATE {score_t} SET {', '.join(f'{column} = {expr}' for column, expr in derived.items())}
        WHERE period = %s{extra}
          AND ({' OR '.join(f'COALESCE({column}, -1) <> COALESCE({expr}, -1)' for column, expr in derived.items())})"""  # noqa: S608
    weights = """(%s + %s + CASE WHEN task_rate IS NULL THEN 0 ELSE %s END
                   + CASE WHEN pass_rate IS NULL THEN 0 ELSE %s END)"""
    score = f"""CASE WHEN {weights} = 0 THEN 0 ELSE ROUND(CAST(100.0 * (
            %s * (CASE WHEN avg_points / %s < 1 THEN avg_points / %s ELSE 1 END)
          + %s * participation_rate
          + %s * COALESCE(task_rate, 0) + %s * COALESCE(pass_rate, 0)) / {weights} AS NUMERIC), 2) END"""
    score_params = [wc, wp, wt, we, wc, target, target, wp, wt, we, wc, wp, wt, we]
    score_sql = f"UPDATE {score_t} SET score = {score} WHERE period = %s{extra} AND score <> {score}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [period.key, *extra_params])
        cursor.execute(score_sql, [*score_params, period.key, *extra_params, *score_params])


def update_children_mode(period: Period, scheme: ScoreScheme, depth: int,
                         organization_ids: Sequence[int] | None = None) -> None:
    """Children mode, one tree level: every organization at ``depth`` that has children scores the
    average of its children's scores. Run from the deepest level up."""
    if scheme.mode != ScoreMode.CHILDREN:
        return
    score_t, org_t = _tables()
    extra, extra_params = _in(organization_ids, "organization_id")
    sql = f"""
        UPDATE {score_t} SET score = COALESCE((
            SELECT ROUND(CAST(AVG(COALESCE(cs.score, 0)) AS NUMERIC), 2)
            FROM {org_t} p JOIN {org_t} c
              ON c.path > p.path AND c.path <= p.path || 'ZZZZ' AND c.depth = p.depth + 1
            LEFT JOIN {score_t} cs ON cs.organization_id = c.id AND cs.period = %s
            WHERE p.id = {score_t}.organization_id), 0)
        WHERE period = %s
          AND organization_id IN (SELECT id FROM {org_t} WHERE depth = %s AND numchild > 0){extra}"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [period.key, period.key, depth, *extra_params])
