"""The set-based recompute: a handful of statements per period, whatever the number of members or
organizations. Steps for a period key:

1. daily caps and member totals from one grouped scan of the period's ledger rows (``totals``);
2. metrics from the providers registered under ``school.hooks.ORG_METRICS`` (bulk insert);
3. organization sums over whole subtrees: one SELECT joining each organization's direct sums to every
   ancestor by path prefix (an equality join on the unique path index, one row per (organization,
   tree level)) and GROUP BY ancestor, synced into the score rows (only differing rows are written);
4. rates and scores: the shared statements of ``scoring`` (children mode: one UPDATE per level, from
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

from . import locks, scoring, totals
from .models import MemberCredit, MemberMetric, OrganizationScore
from .periods import Period, current_month, parse, periods_of_month
from .scratch import sync


def default_periods() -> list[str]:
    return periods_of_month(current_month())


def _tune_connection() -> None:
    """SQLite's default page cache is 2 MB; a recompute scans and sorts a period's ledger rows, so give
    this connection a bigger cache and in-memory temporary sorts (PostgreSQL needs nothing here)."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:  # PRAGMAs refuse transactions
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")
            cursor.execute("PRAGMA temp_store = MEMORY")


def _work_mem() -> None:
    """PostgreSQL's default work_mem (4 MB) sends the recompute's sorts and hashes of a district's
    ledger to disk; this transaction may take more (recomputes never run two at a time)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '128MB'")


def recompute(keys: list[str] | None = None) -> list[str]:
    _tune_connection()
    done = []
    for key in keys or default_periods():
        period = parse(key)
        with transaction.atomic():
            locks.recompute_exclusive()
            _work_mem()
            totals.rebuild(period)
            metrics(period)
            organization_scores(period)
        done.append(period.key)
    audit.record(AuditAction.SCORES_RECOMPUTED, f"重新计算积分与评分：{'、'.join(done)}", data={"periods": done})
    return done


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
    max_depth = Organization.objects.aggregate(d=Max("depth"))["d"] or 0
    steplen = Organization.steplen
    levels = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(1, max_depth + 1)) or "SELECT 1 AS k"
    sums = ["members", "participants", "points", "task_done", "task_total", "exam_passed", "exam_total"]
    sync(
        score_t, ["organization_id"], sums, scope={"period": period.key},
        select_sql=f"""SELECT o.id AS organization_id, COALESCE(s.members, 0) AS members,
                   COALESCE(s.participants, 0) AS participants, COALESCE(s.points, 0) AS points,
                   COALESCE(s.task_done, 0) AS task_done, COALESCE(s.task_total, 0) AS task_total,
                   COALESCE(s.exam_passed, 0) AS exam_passed, COALESCE(s.exam_total, 0) AS exam_total
            FROM {org_t} o LEFT JOIN (
              SELECT a.id AS org_id, SUM(d.members) AS members, SUM(d.participants) AS participants,
                     ROUND(SUM(d.points), 2) AS points, SUM(d.task_done) AS task_done,
                     SUM(d.task_total) AS task_total, SUM(d.exam_passed) AS exam_passed,
                     SUM(d.exam_total) AS exam_total
              FROM ({_direct_sums_sql()}
              ) d
              JOIN {org_t} od ON od.id = d.organization_id
              JOIN ({levels}) lv ON lv.k <= od.depth
              JOIN {org_t} a ON a.path = SUBSTR(od.path, 1, {steplen} * lv.k)
              GROUP BY a.id
            ) s ON s.org_id = o.id""",  # noqa: S608
        params=[period.key, MemberStatus.ACTIVE, period.key, MemberStatus.ACTIVE],
        insert_defaults={"avg_points": 0, "participation_rate": 0, "score": 0})
    scheme = scoring.active_scheme()
    scoring.update_derived(period, scheme)
    for depth in range(max_depth - 1, 0, -1):
        scoring.update_children_mode(period, scheme, depth)


def _direct_sums_sql() -> str:
    """Each organization's own active members: count, participants and points from their period totals
    (one probe per member), task and exam sums from the period's metric rows only (by their period
    index; most members have none). Parameters: period, status, period, status."""
    member_t, total_t, metric_t = Member._meta.db_table, MemberCredit._meta.db_table, MemberMetric._meta.db_table
    return f"""SELECT c.organization_id, c.members, c.participants, c.points,
                   COALESCE(k.task_done, 0) AS task_done, COALESCE(k.task_total, 0) AS task_total,
                   COALESCE(k.exam_passed, 0) AS exam_passed, COALESCE(k.exam_total, 0) AS exam_total
            FROM (
              SELECT m.organization_id, COUNT(*) AS members,
                     SUM(CASE WHEN mc.entries > 0 THEN 1 ELSE 0 END) AS participants,
                     ROUND(COALESCE(SUM(mc.points), 0), 2) AS points
              FROM {member_t} m LEFT JOIN {total_t} mc ON mc.member_id = m.id AND mc.period = %s
              WHERE m.status = %s
              GROUP BY m.organization_id
            ) c LEFT JOIN (
              SELECT m.organization_id,
                     SUM(CASE WHEN x.metric = 'tasks' THEN x.done ELSE 0 END) AS task_done,
                     SUM(CASE WHEN x.metric = 'tasks' THEN x.total ELSE 0 END) AS task_total,
                     SUM(CASE WHEN x.metric = 'exams' THEN x.done ELSE 0 END) AS exam_passed,
                     SUM(CASE WHEN x.metric = 'exams' THEN x.total ELSE 0 END) AS exam_total
              FROM {metric_t} x JOIN {member_t} m ON m.id = x.member_id
              WHERE x.period = %s AND m.status = %s
              GROUP BY m.organization_id
            ) k ON k.organization_id = c.organization_id"""  # noqa: S608
