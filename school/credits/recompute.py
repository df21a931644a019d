"""The set-based recompute: a handful of statements per period, whatever the number of members or
organizations. Steps for a period key:

1. re-apply daily caps to its ledger rows with a window function (same (earned_at, id) order as the
   incremental path);
2. member totals: one INSERT … SELECT … GROUP BY member over the ledger;
3. metrics from the providers registered under ``school.hooks.ORG_METRICS`` (bulk insert);
4. organization sums over whole subtrees: one INSERT … SELECT joining each organization's direct
   sums to every ancestor by path prefix (an equality join on the unique path index, one row per
   (organization, tree level)) and GROUP BY ancestor;
5. rates and scores: the shared statements of ``scoring`` (children mode: one UPDATE per level, from
   the deepest up).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Max

from school import audit
from school.hooks import ORG_METRICS, collect
from school.models import Member, Organization
from school.models.audit import AuditAction
from school.models.members import MemberStatus

from . import locks, scoring
from .models import CreditEntry, CreditRuleVersion, MemberCredit, MemberMetric, OrganizationScore
from .periods import OVERALL, Period, current_month, parse, periods_of_month


def default_periods() -> list[str]:
    return periods_of_month(current_month())


def _month_filter(period: Period, column: str) -> tuple[str, list[str]]:
    if period.key == OVERALL:
        return "1 = 1", []
    return f"{column} IN ({', '.join(['%s'] * len(period.months))})", list(period.months)


def _tune_connection() -> None:
    """SQLite's default page cache is 2 MB; a recompute scans and sorts a period's ledger rows, so give
    this connection a bigger cache and in-memory temporary sorts (PostgreSQL needs nothing here)."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:  # PRAGMAs refuse transactions
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")
            cursor.execute("PRAGMA temp_store = MEMORY")


def _period_index() -> str:
    """SQLite's planner prefers walking the member_id index (to skip a sort) and then reads every
    ledger row of every period; the covering period index is far cheaper. PostgreSQL plans well."""
    return " INDEXED BY credit_entry_period" if connection.vendor == "sqlite" else ""


def recompute(keys: list[str] | None = None) -> list[str]:
    _tune_connection()
    done = []
    for key in keys or default_periods():
        period = parse(key)
        with transaction.atomic():
            locks.recompute_exclusive()
            reapply_caps(period)
            member_totals(period)
            metrics(period)
            organization_scores(period)
        done.append(period.key)
    audit.record(AuditAction.SCORES_RECOMPUTED, f"重新计算积分与评分：{'、'.join(done)}", data={"periods": done})
    return done


def reapply_caps(period: Period) -> None:
    """Month by month: a day's rows are all in one month, and one month at a time lets the database
    walk the period index in partition order."""
    if period.key == OVERALL:
        _reapply_caps("1 = 1", [])
        return
    for month in period.months:
        _reapply_caps("e.month = %s", [month])


def _reapply_caps(where: str, params: list[str]) -> None:
    entry_t, version_t = CreditEntry._meta.db_table, CreditRuleVersion._meta.db_table
    sql = f"""
        UPDATE {entry_t} SET points = x.new_points
        FROM (
          SELECT id, new_points FROM (
          SELECT id, points, ROUND(CASE WHEN before_raw >= cap THEN 0
                           WHEN before_raw + raw_points > cap THEN cap - before_raw
                           ELSE raw_points END, 2) AS new_points
          FROM (
            SELECT e.id, e.raw_points, e.points, v.daily_cap AS cap,
                   COALESCE(SUM(e.raw_points) OVER (
                     PARTITION BY e.member_id, e.rule_id, e.day ORDER BY e.earned_at, e.id
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before_raw
            FROM {entry_t} e{_period_index()} JOIN {version_t} v ON v.id = e.rule_version_id
            WHERE v.daily_cap IS NOT NULL AND {where}
          ) w
          ) c WHERE c.new_points <> c.points
        ) x
        WHERE {entry_t}.id = x.id"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def member_totals(period: Period) -> None:
    """A month (or ``all``): one GROUP BY over the ledger. A quarter or year: its months first, then
    the sum of those month totals (cheaper than grouping the whole quarter's ledger rows again)."""
    if period.kind in ("quarter", "year"):
        for month in period.months:
            _member_totals_from_ledger(parse(month))
        total_t = MemberCredit._meta.db_table
        MemberCredit.objects.filter(period=period.key).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {total_t} (member_id, period, points, entries)
                    SELECT member_id, %s, ROUND(SUM(points), 2), SUM(entries) FROM {total_t}
                    WHERE period IN ({', '.join(['%s'] * len(period.months))})
                    GROUP BY member_id HAVING SUM(entries) > 0""",  # noqa: S608
                [period.key, *period.months])
        return
    _member_totals_from_ledger(period)


def _member_totals_from_ledger(period: Period) -> None:
    entry_t, total_t = CreditEntry._meta.db_table, MemberCredit._meta.db_table
    where, params = _month_filter(period, "month")
    MemberCredit.objects.filter(period=period.key).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {total_t} (member_id, period, points, entries)
                SELECT member_id, %s, ROUND(SUM(points), 2), COUNT(*) FROM {entry_t}{_period_index()}
                WHERE {where} GROUP BY member_id""",  # noqa: S608
            [period.key, *params])


def metrics(period: Period) -> None:
    MemberMetric.objects.filter(period=period.key).delete()
    batch: list[MemberMetric] = []
    for row in collect(ORG_METRICS, period):
        member_id, metric, done, total = row
        batch.append(MemberMetric(member_id=member_id, period=period.key, metric=metric, done=done, total=total))
        if len(batch) >= 5000:
            MemberMetric.objects.bulk_create(batch)
            batch = []
    MemberMetric.objects.bulk_create(batch)


def organization_scores(period: Period) -> None:
    score_t, org_t = OrganizationScore._meta.db_table, Organization._meta.db_table
    member_t, total_t, metric_t = Member._meta.db_table, MemberCredit._meta.db_table, MemberMetric._meta.db_table
    max_depth = Organization.objects.aggregate(d=Max("depth"))["d"] or 0
    steplen = Organization.steplen
    levels = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(1, max_depth + 1)) or "SELECT 1 AS k"
    OrganizationScore.objects.filter(period=period.key).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {score_t} (organization_id, period, members, participants, points, task_done,
                                       task_total, exam_passed, exam_total, avg_points, participation_rate,
                                       score)
                SELECT o.id, %s, COALESCE(s.members, 0), COALESCE(s.participants, 0), COALESCE(s.points, 0),
                       COALESCE(s.task_done, 0), COALESCE(s.task_total, 0), COALESCE(s.exam_passed, 0),
                       COALESCE(s.exam_total, 0), 0, 0, 0
                FROM {org_t} o LEFT JOIN (
                  SELECT a.id AS org_id, SUM(d.members) AS members, SUM(d.participants) AS participants,
                         ROUND(SUM(d.points), 2) AS points, SUM(d.task_done) AS task_done,
                         SUM(d.task_total) AS task_total, SUM(d.exam_passed) AS exam_passed,
                         SUM(d.exam_total) AS exam_total
                  FROM (
                    SELECT m.organization_id, COUNT(*) AS members,
                           SUM(CASE WHEN mc.entries > 0 THEN 1 ELSE 0 END) AS participants,
                           ROUND(COALESCE(SUM(mc.points), 0), 2) AS points,
                           COALESCE(SUM(t.done), 0) AS task_done, COALESCE(SUM(t.total), 0) AS task_total,
                           COALESCE(SUM(x.done), 0) AS exam_passed, COALESCE(SUM(x.total), 0) AS exam_total
                    FROM {member_t} m
                    LEFT JOIN {total_t} mc ON mc.member_id = m.id AND mc.period = %s
                    LEFT JOIN {metric_t} t ON t.member_id = m.id AND t.period = %s AND t.metric = 'tasks'
                    LEFT JOIN {metric_t} x ON x.member_id = m.id AND x.period = %s AND x.metric = 'exams'
                    WHERE m.status = %s
                    GROUP BY m.organization_id
                  ) d
                  JOIN {org_t} od ON od.id = d.organization_id
                  JOIN ({levels}) lv ON lv.k <= od.depth
                  JOIN {org_t} a ON a.path = SUBSTR(od.path, 1, {steplen} * lv.k)
                  GROUP BY a.id
                ) s ON s.org_id = o.id""",  # noqa: S608
            [period.key, period.key, period.key, period.key, MemberStatus.ACTIVE])
    scheme = scoring.active_scheme()
    scoring.update_derived(period, scheme)
    for depth in range(max_depth - 1, 0, -1):
        scoring.update_children_mode(period, scheme, depth)
