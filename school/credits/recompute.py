"""The aggregates of the ledger (member totals, metrics, organization scores): kept incrementally by
each award (``apply_award``, at the end) and rebuilt by the set-based recompute.

The set-based recompute: a handful of statements per period, whatever the number of members or
organizations. Steps for a period key:

1. daily caps and member totals from one grouped scan of the period's ledger rows (Totals, below);
2. metrics from the providers registered under ``school.hooks.ORG_METRICS`` (bulk insert);
3. organization sums over whole subtrees: one SELECT joining each organization's direct sums to every
   ancestor by path prefix (an equality join on the unique path index, one row per (organization,
   tree level)) and GROUP BY ancestor, synced into the score rows (only differing rows are written);
4. rates and scores: the shared statements of Scoring (below) (children mode: one UPDATE per level, from
   the deepest up).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import F, Max, Q
from django.db.models.functions import Round
from django.utils import timezone

from school import audit
from school.hooks import ORG_METRICS, collect
from school.models import Member, Membership, Organization
from school.models.audit import AuditAction
from school.models.members import MemberStatus

from .models import (
    CreditEntry,
    CreditRuleVersion,
    MemberCredit,
    MemberMetric,
    OrganizationScore,
    ScoreMode,
    ScoreScheme,
)
from .periods import OVERALL, Period, current_month, parse, periods_of_month, register_date

log = logging.getLogger(__name__)


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


def _timeouts() -> None:
    """PostgreSQL: wait at most CREDITS_RECOMPUTE_LOCK_TIMEOUT_SECONDS for the exclusive lock (a
    recompute waiting for it queues every new award behind it) and stop any statement after
    CREDITS_RECOMPUTE_STATEMENT_TIMEOUT_SECONDS (it holds the awards' lock meanwhile). The task then
    fails; beat runs it again."""
    if connection.vendor == "postgresql":
        lock_ms = int(settings.CREDITS_RECOMPUTE_LOCK_TIMEOUT_SECONDS * 1000)
        statement_ms = int(settings.CREDITS_RECOMPUTE_STATEMENT_TIMEOUT_SECONDS * 1000)
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {lock_ms}")
            cursor.execute(f"SET LOCAL statement_timeout = {statement_ms}")


def recompute(keys: list[str] | None = None, on_period: Callable[[int], None] | None = None) -> list[str]:
    """The set-based recompute of ``keys`` (default: the current month, quarter, year and overall), one
    transaction per period; ``on_period(n)`` after the n-th period committed (a request's progress)."""
    _tune_connection()
    done = []
    for key in keys or default_periods():
        period = parse(key)
        with transaction.atomic():
            _timeouts()
            recompute_exclusive()
            _work_mem()
            rebuild(period)
            metrics(period)
            organization_scores(period)
            if period.kind != "month":
                _mark_current(period)
        done.append(period.key)
        if on_period is not None:
            on_period(len(done))
    audit.record(AuditAction.SCORES_RECOMPUTED, f"重新计算积分与评分：{'、'.join(done)}", data={"periods": done})
    return done


def _mark_current(period: Period) -> None:
    """After a whole recompute of a longer period: every root's subtree is current as of its newest
    month-row change (``bring_up_to_date`` has nothing to do until the next event)."""
    for root in Organization.objects.filter(depth=1):
        newest = _newest_month_change(root, period)
        if newest is not None:
            OrganizationScore.objects.filter(organization=root, period=period.key).update(as_of=newest)


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


def organization_scores(period: Period, subtree: str | None = None, touched_at: dt.datetime | None = None) -> None:
    """Every organization's score row of ``period`` from its members' period totals and metrics; only the
    rows of the subtree rooted at ``subtree`` (a tree path) when given — a long period brought up to date
    for the organization an administrator looks at (``bring_up_to_date``). ``touched_at``: the time
    written into ``updated_at`` of the rows that change (default now)."""
    score_t, org_t = OrganizationScore._meta.db_table, Organization._meta.db_table
    max_depth = Organization.objects.aggregate(d=Max("depth"))["d"] or 0
    steplen = Organization.steplen
    levels = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(1, max_depth + 1)) or "SELECT 1 AS k"
    sums = ["members", "participants", "points", "task_done", "task_total", "exam_passed", "exam_total"]
    members_in, members_params = _subtree_clause(subtree, "s.organization_id")
    above, above_params = _subtree_clause(subtree, "a.id")
    rows_in, rows_params = _subtree_clause(subtree, "o.id")
    sync(
        score_t, ["organization_id"], sums, scope={"period": period.key},
        where=_subtree_clause(subtree, f"{score_t}.organization_id"),
        select_sql=f"""SELECT o.id AS organization_id, COALESCE(s.members, 0) AS members,
                   COALESCE(s.participants, 0) AS participants, COALESCE(s.points, 0) AS points,
                   COALESCE(s.task_done, 0) AS task_done, COALESCE(s.task_total, 0) AS task_total,
                   COALESCE(s.exam_passed, 0) AS exam_passed, COALESCE(s.exam_total, 0) AS exam_total
            FROM {org_t} o LEFT JOIN (
              SELECT a.id AS org_id, SUM(d.members) AS members, SUM(d.participants) AS participants,
                     ROUND(SUM(d.points), 2) AS points, SUM(d.task_done) AS task_done,
                     SUM(d.task_total) AS task_total, SUM(d.exam_passed) AS exam_passed,
                     SUM(d.exam_total) AS exam_total
              FROM ({_direct_sums_sql(members_in)}
              ) d
              JOIN {org_t} od ON od.id = d.organization_id
              JOIN ({levels}) lv ON lv.k <= od.depth
              JOIN {org_t} a ON a.path = SUBSTR(od.path, 1, {steplen} * lv.k)
              WHERE 1 = 1{above}
              GROUP BY a.id
            ) s ON s.org_id = o.id
            WHERE 1 = 1{rows_in}""",  # noqa: S608
        params=[*_direct_sums_params(period, members_params), *above_params, *rows_params],
        insert_defaults={"avg_points": 0, "participation_rate": 0, "score": 0}, touch="updated_at",
        touched_at=touched_at)
    scheme = active_scheme()
    update_derived(period, scheme, subtree=subtree, touched_at=touched_at)
    for depth in range(max_depth - 1, 0, -1):
        update_children_mode(period, scheme, depth, subtree=subtree)


def _subtree_clause(path: str | None, column: str) -> tuple[str, list[Param]]:
    """`` AND column IN (the ids of the subtree at path)`` and its parameters; nothing for ``None``."""
    if path is None:
        return "", []
    upper = Organization.subtree_last(path)
    org_t = Organization._meta.db_table
    return f" AND {column} IN (SELECT id FROM {org_t} WHERE path >= %s AND path <= %s)", [path, upper]  # noqa: S608


def _direct_sums_params(period: Period, members_in: Sequence[Param] = ()) -> list[Param]:
    """The parameters of ``_direct_sums_sql`` for ``period``: its key and its register date (and those
    of the condition ``members_in``, after each of its two uses)."""
    day: Param = connection.ops.adapt_datefield_value(register_date(period)) or ""
    return [period.key, day, day, *members_in, day, day, period.key, *members_in]


def _direct_sums_sql(members_in: str = "") -> str:
    """Each organization's own members on the period's register date (``periods.register_date``: those
    with a ``Membership`` spell covering it, attributed to that spell's organization, as
    ``Member.objects.in_register(org, on=...)`` counts them): count, participants and points from their
    period totals (one probe per spell), task and exam sums from the period's metric rows only (by their
    period index; most members have none). ``members_in``: a further condition on the spell ``s`` (a
    subtree's members only). Parameters: ``_direct_sums_params(period, ...)``."""
    spell_t, total_t, metric_t = Membership._meta.db_table, MemberCredit._meta.db_table, MemberMetric._meta.db_table
    return f"""SELECT c.organization_id, c.members, c.participants, c.points,
                   COALESCE(k.task_done, 0) AS task_done, COALESCE(k.task_total, 0) AS task_total,
                   COALESCE(k.exam_passed, 0) AS exam_passed, COALESCE(k.exam_total, 0) AS exam_total
            FROM (
              SELECT s.organization_id, COUNT(*) AS members,
                     SUM(CASE WHEN mc.entries > 0 THEN 1 ELSE 0 END) AS participants,
                     ROUND(COALESCE(SUM(mc.points), 0), 2) AS points
              FROM {spell_t} s LEFT JOIN {total_t} mc ON mc.member_id = s.member_id AND mc.period = %s
              WHERE s.valid_from <= %s AND (s.valid_to IS NULL OR s.valid_to > %s){members_in}
              GROUP BY s.organization_id
            ) c LEFT JOIN (
              SELECT s.organization_id,
                     SUM(CASE WHEN x.metric = 'tasks' THEN x.done ELSE 0 END) AS task_done,
                     SUM(CASE WHEN x.metric = 'tasks' THEN x.total ELSE 0 END) AS task_total,
                     SUM(CASE WHEN x.metric = 'exams' THEN x.done ELSE 0 END) AS exam_passed,
                     SUM(CASE WHEN x.metric = 'exams' THEN x.total ELSE 0 END) AS exam_total
              FROM {metric_t} x JOIN {spell_t} s ON s.member_id = x.member_id
                AND s.valid_from <= %s AND (s.valid_to IS NULL OR s.valid_to > %s)
              WHERE x.period = %s{members_in}
              GROUP BY s.organization_id
            ) k ON k.organization_id = c.organization_id"""  # noqa: S608


# --- Locks ----------------------------------------------------------------------------------------
# A recompute must not interleave with awards (it rebuilds rows an award would update). On
# PostgreSQL awards take a shared advisory transaction lock and the recompute an exclusive one; on
# SQLite every write transaction is already serialized, so these are no-ops.

_KEY = 60_06_2026


def awards_shared() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_KEY])


def recompute_exclusive() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_KEY])


# --- Scratch tables -------------------------------------------------------------------------------
# Rewrite a period's derived rows by difference.
#
# The recompute computes the rows a period should have into a temporary table and compares them with
# the stored rows in one join: only rows whose numbers differ are updated, missing ones inserted, and
# stored rows without a counterpart deleted (looked for only when the counts say there are some). The
# result is the same as deleting and re-inserting everything, but a scheduled recompute over a ledger
# that barely changed writes almost nothing, and on both databases writing (index maintenance, WAL) is
# most of what a delete-and-insert costs.

Param = int | str | float | Decimal
NEW, CHANGED = "credits_scratch", "credits_changed"


def sync(table: str, keys: Sequence[str], values: Sequence[str], *, scope: dict[str, Param | list[Param]],
         select_sql: str = "", params: Sequence[Param] = (), source: str | None = None,
         insert_defaults: dict[str, Param] | None = None, touch: str | None = None,
         where: tuple[str, Sequence[Param]] = ("", ()), touched_at: dt.datetime | None = None) -> None:
    """Make the rows of ``table`` within ``scope`` (column = value, or column IN list) equal to the rows
    of ``select_sql`` — or of the temporary table ``source``, kept — which have the columns ``keys`` and
    ``values`` (none of them NULL). Scope columns that are not keys are written into inserted rows, with
    ``insert_defaults``. ``touch``: a timestamp column set to ``touched_at`` (default now) in every row
    written. ``where``: a further condition on the scope's rows (`` AND …``) and its parameters."""
    new = source or NEW
    fixed = {c: v for c, v in scope.items() if c not in keys and not isinstance(v, list)}
    fixed.update(insert_defaults or {})
    now = connection.ops.adapt_datetimefield_value(touched_at or timezone.now())
    if touch:
        fixed[touch] = now  # type: ignore[assignment]
    touched, touch_params = (f", {touch} = %s", [now]) if touch else ("", [])
    in_scope, scope_params = _scope(table, scope)
    in_scope, scope_params = in_scope + where[0], [*scope_params, *where[1]]
    match = " AND ".join(f"s.{k} = {table}.{k}" for k in keys)
    differs = " OR ".join(f"s.{v} <> {table}.{v}" for v in values)
    columns = [*keys, *values]
    with connection.cursor() as cursor:
        _drop(cursor)
        if source is None:
            cursor.execute(f"CREATE TEMP TABLE {NEW} AS {select_sql}", list(params))
        cursor.execute(
            f"""CREATE TEMP TABLE {CHANGED} AS
                SELECT {', '.join(f's.{c}' for c in columns)}, {table}.id AS target_id
                FROM {new} s LEFT JOIN {table} ON {match} AND {in_scope}
                WHERE {table}.id IS NULL OR {differs}""",  # noqa: S608
            scope_params)
        cursor.execute(f"CREATE INDEX {CHANGED}_target ON {CHANGED} (target_id)")  # for the UPDATE below
        if connection.vendor == "postgresql":  # temporary tables have no statistics otherwise
            cursor.execute(f"ANALYZE {new}")
            cursor.execute(f"ANALYZE {CHANGED}")
        stored = _count(cursor, f"SELECT COUNT(*) FROM {table} WHERE {in_scope}", scope_params)  # noqa: S608
        matched = _count(cursor, f"SELECT (SELECT COUNT(*) FROM {new})"  # noqa: S608
                                 f" - (SELECT COUNT(*) FROM {CHANGED} WHERE target_id IS NULL)")
        if stored > matched:  # some stored rows have no counterpart
            cursor.execute(f"CREATE UNIQUE INDEX {new}_key ON {new} ({', '.join(keys)})")
            cursor.execute(
                f"DELETE FROM {table} WHERE {in_scope} AND NOT EXISTS (SELECT 1 FROM {new} s WHERE {match})",  # noqa: S608
                scope_params)
        cursor.execute(
            f"""UPDATE {table} SET ({', '.join(values)}) = (
                  SELECT {', '.join(f'c.{v}' for v in values)} FROM {CHANGED} c WHERE c.target_id = {table}.id){touched}
                WHERE id IN (SELECT target_id FROM {CHANGED} WHERE target_id IS NOT NULL)""", touch_params)  # noqa: S608
        cursor.execute(
            f"""INSERT INTO {table} ({', '.join([*fixed, *columns])})
                SELECT {', '.join(['%s'] * len(fixed) + [f'c.{c}' for c in columns])}
                FROM {CHANGED} c WHERE c.target_id IS NULL""",  # noqa: S608
            list(fixed.values()))
        _drop(cursor)


def _scope(table: str, scope: dict[str, Param | list[Param]]) -> tuple[str, list[Param]]:
    parts, params = [], []
    for column, value in scope.items():
        if isinstance(value, list):
            parts.append(f"{table}.{column} IN ({', '.join(['%s'] * len(value))})")
            params.extend(value)
        else:
            parts.append(f"{table}.{column} = %s")
            params.append(value)
    return " AND ".join(parts), params


def _count(cursor: CursorWrapper, sql: str, params: Sequence[Param] = ()) -> int:
    cursor.execute(sql, list(params))
    return int(cursor.fetchone()[0])


def _drop(cursor: CursorWrapper) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {CHANGED}")
    cursor.execute(f"DROP TABLE IF EXISTS {NEW}")


# --- Totals ---------------------------------------------------------------------------------------
# Daily caps and member totals of a period, from ONE grouped scan of its ledger rows.
#
# 1. The scan groups the period's ledger rows by (month, member) into a temporary table: each
#    member-month's points and row count, and whether a daily cap could change anything in it (see
#    ``_scan_sql``: if no capped version's raw points over the whole month exceed its cap, no day's can;
#    rows already cut may have to be restored). Ledger data is sparse per member and day, so few
#    member-months qualify.
# 2. Within those member-months, only the (rule, day) groups over their cap or with a row already cut
#    go through the cap window (same (earned_at, id) order as the incremental path); the member-months'
#    totals are re-read if a row changed.
# 3. Month, quarter, year or overall totals are synced from the scan (``scratch.sync``): only rows that
#    differ are written. A quarter's or year's total is the sum of its month totals, as the incremental
#    path keeps it.

AGG = "credits_member_months"
EXACT_FLAGS = 8  # up to this many capped versions in a period, one exact test per version
SUM_ROWS = f"SELECT member_id, ROUND(SUM(points), 2) AS points, SUM(entries) AS entries FROM {AGG} GROUP BY member_id"  # noqa: S608


def rebuild(period: Period) -> None:
    caps = _capped_versions(period)
    if period.key == OVERALL:
        where, params = "1 = 1", []
    else:
        where, params = f"e.month IN ({', '.join(['%s'] * len(period.months))})", list(period.months)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {AGG}")
        cursor.execute(_scan_sql(where, list(caps)), [*_flag_params(caps), *params])
        if caps:
            cursor.execute(_caps_sql())
            if cursor.rowcount:
                cursor.execute(_reread_sql())
    total_t, cols = MemberCredit._meta.db_table, ["points", "entries"]
    if period.kind == "month":
        sync(total_t, ["member_id"], cols, scope={"period": period.key}, source=AGG)
    else:
        if period.kind != "all":
            months: list[Param] = list(period.months)
            sync(total_t, ["period", "member_id"], cols, scope={"period": months}, source=AGG)
        sync(total_t, ["member_id"], cols, scope={"period": period.key}, select_sql=SUM_ROWS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {AGG}")


def _index() -> str:
    """SQLite's planner prefers walking the member_id index (to skip a sort) and then reads every
    ledger row of every period; the covering period index is far cheaper. PostgreSQL plans well."""
    return " INDEXED BY credit_entry_period" if connection.vendor == "sqlite" else ""


def _capped_versions(period: Period) -> dict[int, Decimal]:
    """Capped versions valid during the period (a version's validity never shrinks below a day it
    earned credits on, so every ledger row of the period refers to one of these or to no cap)."""
    versions = CreditRuleVersion.objects.filter(daily_cap__isnull=False)
    if period.months:
        first = dt.date.fromisoformat(f"{period.months[0]}-01")
        last = dt.date.fromisoformat(f"{period.months[-1]}-28")  # any day of the last month will do
        versions = versions.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=first),
                                   effective_from__lte=last + dt.timedelta(days=4))
    return {pk: cap for pk, cap in versions.values_list("pk", "daily_cap") if cap is not None}


def _scan_sql(where: str, capped: list[int]) -> str:
    """The flag: some row already cut (SUM(raw) > SUM(points); no row has points > raw), or some capped
    version's raw points over the member's month exceed its cap (otherwise none of its days can). With
    many capped versions in the period, one CASE per row instead: the raw points of capped versions,
    each divided by its cap, summing to more than one (a looser test: more member-months flagged)."""
    entry_t = CreditEntry._meta.db_table
    flag = "0"
    if capped and len(capped) <= EXACT_FLAGS:
        over = " OR ".join(["SUM(CASE WHEN e.rule_version_id = %s THEN e.raw_points ELSE 0 END) > %s"] * len(capped))
        flag = f"CASE WHEN SUM(e.raw_points) > SUM(e.points) OR {over} THEN 1 ELSE 0 END"
    elif capped:
        shares = " ".join(["WHEN %s THEN e.raw_points * %s"] * len(capped))
        flag = (f"CASE WHEN SUM(e.raw_points) > SUM(e.points) OR SUM(CASE e.rule_version_id {shares} ELSE 0 END)"
                " > 0.999999 THEN 1 ELSE 0 END")
    return f"""CREATE TEMP TABLE {AGG} AS
               SELECT e.month AS period, e.member_id, ROUND(SUM(e.points), 2) AS points, COUNT(*) AS entries,
                      {flag} AS capped
               FROM {entry_t} e{_index()} WHERE {where} GROUP BY e.month, e.member_id"""  # noqa: S608


def _flag_params(caps: Mapping[int, Decimal]) -> list[Param]:
    """(version, cap) pairs (raw points are exact to the cent, so a float cap decides as the decimal
    would); for the looser test (version, 1 / cap), the factor rounded up (a cap of 0:
    anything is over it)."""
    out: list[Param] = []
    for pk, cap in caps.items():
        if len(caps) <= EXACT_FLAGS:
            out += [pk, float(cap)]  # a float: SQLite compares a number with a text parameter as text
        else:
            out += [pk, 1e12 if not cap else (1 / float(cap)) * (1 + 1e-9)]
    return out


def _caps_sql() -> str:
    entry_t, version_t = CreditEntry._meta.db_table, CreditRuleVersion._meta.db_table
    return f"""
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
            FROM (
              SELECT g.month, g.member_id, g.rule_id, g.day
              FROM {AGG} a
              JOIN {entry_t} g{_index()} ON g.month = a.period AND g.member_id = a.member_id
              JOIN {version_t} gv ON gv.id = g.rule_version_id
              WHERE a.capped = 1 AND gv.daily_cap IS NOT NULL
              GROUP BY g.month, g.member_id, g.rule_id, g.day
              HAVING SUM(g.raw_points) > MIN(gv.daily_cap) OR SUM(g.points) < SUM(g.raw_points)
            ) grp
            JOIN {entry_t} e{_index()} ON e.month = grp.month AND e.member_id = grp.member_id
                 AND e.rule_id = grp.rule_id AND e.day = grp.day
            JOIN {version_t} v ON v.id = e.rule_version_id
            WHERE v.daily_cap IS NOT NULL
          ) w
          ) c WHERE c.new_points <> c.points
        ) x
        WHERE {entry_t}.id = x.id"""  # noqa: S608


def _reread_sql() -> str:
    entry_t = CreditEntry._meta.db_table
    return f"""UPDATE {AGG} SET points = (
                 SELECT ROUND(SUM(e.points), 2) FROM {entry_t} e
                 WHERE e.month = {AGG}.period AND e.member_id = {AGG}.member_id)
               WHERE capped = 1"""  # noqa: S608


# --- Scoring --------------------------------------------------------------------------------------
# The SQL that turns an organization's subtree sums into rates and a score. The incremental path and
# the set-based recompute run the SAME statements (the incremental one restricted to the organizations
# it touched), so both give identical numbers.
#
# score = 100 × Σ wᵢ·cᵢ / Σ wᵢ over the components present: credits (average member points ÷ target,
# capped at 1), participation rate, task completion rate, exam pass rate. A component whose metric is
# not provided (no app registered it, or nobody in the subtree had a task/exam) drops out and the
# remaining weights renormalize. In "children" mode an organization with child organizations scores
# the plain average of its children's scores (a child with no row scores 0), computed bottom-up.

DEFAULT_SCHEME = ScoreScheme(name="default")


def active_scheme() -> ScoreScheme:
    return ScoreScheme.objects.filter(active=True).order_by("-pk").first() or DEFAULT_SCHEME


def _tables() -> tuple[str, str]:
    return OrganizationScore._meta.db_table, Organization._meta.db_table


def _in(ids: Sequence[int] | None, column: str) -> tuple[str, list[Param]]:
    if ids is None:
        return "", []
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


SUMS = ("members", "participants", "points", "task_done", "task_total", "exam_passed", "exam_total")
SumDeltas = Mapping[str, "int | Decimal"]


def _literal(value: int | Decimal) -> str:
    """A delta written into the statement: an int or a Decimal only (never text), so it is safe SQL."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"not a number: {value!r}")
    return str(int(value)) if isinstance(value, int) else format(Decimal(value).quantize(Decimal("0.01")), "f")


def _scoring_sql(scheme: ScoreScheme, period: Period, deltas: SumDeltas | None = None,
                 member_delta: str | None = None) -> tuple[dict[str, str], list[Param]]:
    """The SET expressions of every component computed from the row's sums (each sum plus its delta, if
    any: SET reads the row as it was before the statement), and their parameters. The rates and the score
    are computed from the new sums in the same expression, so one UPDATE writes a row once."""
    deltas = deltas or {}

    def new(column: str) -> str:
        if column == "members" and member_delta is not None:
            return f"({column} + {member_delta})"
        if deltas.get(column):
            return f"({column} + {_literal(deltas[column])})"
        return column

    target = float(Decimal(scheme.monthly_target) * period.month_count)
    wc, wp, wt, we = (scheme.weight_credits, scheme.weight_participation, scheme.weight_tasks, scheme.weight_exams)
    members, points = new("members"), new("points")
    derived = {
        "avg_points": f"CASE WHEN {members} > 0 THEN ROUND({points} * 1.0 / {members}, 4) ELSE 0 END",
        "participation_rate": f"CASE WHEN {members} > 0 THEN ROUND({new('participants')} * 1.0 / {members}, 4) ELSE 0 END",
        "task_rate": f"CASE WHEN {new('task_total')} > 0 THEN ROUND({new('task_done')} * 1.0 / {new('task_total')}, 4)"
                     " ELSE NULL END",
        "pass_rate": f"CASE WHEN {new('exam_total')} > 0 THEN ROUND({new('exam_passed')} * 1.0 / {new('exam_total')}, 4)"
                     " ELSE NULL END",
    }
    weights = f"""(%s + %s + CASE WHEN {derived['task_rate']} IS NULL THEN 0 ELSE %s END
                   + CASE WHEN {derived['pass_rate']} IS NULL THEN 0 ELSE %s END)"""
    avg = derived["avg_points"]
    score = f"""CASE WHEN {weights} = 0 THEN 0 ELSE ROUND(CAST(100.0 * (
            %s * (CASE WHEN {avg} / %s < 1 THEN {avg} / %s ELSE 1 END)
          + %s * {derived['participation_rate']}
          + %s * COALESCE({derived['task_rate']}, 0) + %s * COALESCE({derived['pass_rate']}, 0)) / {weights}
          AS NUMERIC), 2) END"""
    exprs = {column: new(column) for column in SUMS if new(column) != column}
    if "points" in exprs:
        exprs["points"] = f"ROUND({points}, 2)"
    exprs.update(derived)
    exprs["score"] = score
    params: list[Param] = [wc, wp, wt, we, wc, target, target, wp, wt, we, wc, wp, wt, we]
    return exprs, params


def update_derived(period: Period, scheme: ScoreScheme, organization_ids: Sequence[int] | None = None, *,
                   subtree: str | None = None, touched_at: dt.datetime | None = None) -> None:
    """Rates and scores from the stored sums: one UPDATE, writing only the rows whose numbers would change
    (on PostgreSQL every UPDATE of a row leaves a dead row version behind, and a scheduled recompute would
    otherwise rewrite every score row)."""
    score_t, _org = _tables()
    extra, extra_params = _in(organization_ids, "organization_id")
    below, below_params = _subtree_clause(subtree, "organization_id")
    extra, extra_params = extra + below, [*extra_params, *below_params]
    exprs, params = _scoring_sql(scheme, period)
    now = connection.ops.adapt_datetimefield_value(touched_at or timezone.now())
    sets = ", ".join(f"{column} = {expr}" for column, expr in exprs.items())
    differs = " OR ".join(f"COALESCE({column}, -1) <> COALESCE({expr}, -1)" for column, expr in exprs.items())
    sql = f"UPDATE {score_t} SET {sets}, updated_at = %s WHERE period = %s{extra} AND ({differs})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, now, period.key, *extra_params, *params])


def add_to_scores(period: Period, organization_ids: Sequence[int], deltas: SumDeltas,
                  member_delta_except: Sequence[int] = ()) -> None:
    """The incremental write: add ``deltas`` to the sums of these organizations' rows of ``period`` and set
    their rates and score from the new sums — ONE UPDATE, each row written once (the children-mode
    average, if that mode is active, follows in ``_children_mode_chain``). ``member_delta_except``: rows
    that get no ``members`` delta (just created, counting their members as they are now)."""
    if not organization_ids:
        return
    member_delta = None
    if deltas.get("members") and member_delta_except:
        ids = ", ".join(str(int(pk)) for pk in member_delta_except)
        member_delta = f"CASE WHEN organization_id IN ({ids}) THEN 0 ELSE {_literal(deltas['members'])} END"
    exprs, params = _scoring_sql(active_scheme(), period, deltas, member_delta)
    score_t, _org = _tables()
    extra, extra_params = _in(organization_ids, "organization_id")
    sets = ", ".join(f"{column} = {expr}" for column, expr in exprs.items())
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {score_t} SET {sets}, updated_at = %s WHERE period = %s{extra}",  # noqa: S608
                       [*params, now, period.key, *extra_params])


def update_children_mode(period: Period, scheme: ScoreScheme, depth: int,
                         organization_ids: Sequence[int] | None = None, *, subtree: str | None = None) -> None:
    """Children mode, one tree level: every organization at ``depth`` that has children scores the
    average of its children's scores. Run from the deepest level up."""
    if scheme.mode != ScoreMode.CHILDREN:
        return
    score_t, org_t = _tables()
    extra, extra_params = _in(organization_ids, "organization_id")
    below, below_params = _subtree_clause(subtree, "organization_id")
    extra, extra_params = extra + below, [*extra_params, *below_params]
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


# --- Aggregates (the incremental path) ------------------------------------------------------------
# The incremental path: each award updates the member's totals and the score rows of the member's
# organization and its ancestors, inside the award's transaction (so a duplicate award, refused by the
# ledger's unique key, changes nothing). Member counts of a subtree are taken when its row is first
# created; membership changes (transfers, new members) are picked up by the scheduled recompute.

def subtree_member_count(organization: Organization, period: str | None = None) -> int:
    """The members of ``organization`` counted by ``period``'s statistics (on its register date; None:
    today)."""
    return Member.objects.in_register(organization, on=register_date(period) if period else None).count()


def register_organization(member_id: int, period: str) -> Organization | None:
    """The organization ``period``'s statistics count the member in (their spell on its register date),
    None if they are not counted in it."""
    spell = (Membership.objects.covering(register_date(period)).filter(member_id=member_id)
             .select_related("organization").first())
    return spell.organization if spell is not None else None


def register_chain(member: Member, period: str) -> list[Organization]:
    """The organization chain (ancestors first) that ``period``'s score rows count the member in, empty
    if they are not counted in it. Today's periods read the member's own organization and status."""
    return register_chains(member, [period])[period]


def register_chains(member: Member, periods: Sequence[str]) -> dict[str, list[Organization]]:
    """``register_chain`` of each of ``periods``, each distinct chain read once (the periods of this
    month are all counted today: one chain, the member's own)."""
    today = timezone.localdate()
    organizations: dict[str, int | None] = {}
    for key in periods:
        if register_date(key) >= today:
            organizations[key] = member.organization_id if member.status == MemberStatus.ACTIVE else None
        else:
            organization = register_organization(member.pk, key)
            organizations[key] = organization.pk if organization is not None else None
    chains: dict[int, list[Organization]] = {}
    for pk in {pk for pk in organizations.values() if pk is not None}:
        chains[pk] = _chain(member.organization if pk == member.organization_id
                            else Organization.objects.get(pk=pk))
    return {key: chains[pk] if pk is not None else [] for key, pk in organizations.items()}


def apply_award(member: Member, month: str, delta: Decimal, new_entries: int) -> None:
    """Add ``delta`` points and ``new_entries`` ledger rows of ``month`` to every period they count in:
    the member's totals of those periods in one statement (a missing total is inserted with its numbers),
    then the month's score rows of the member's organization chain in one UPDATE (sums, rates and score
    together: a row is written once; the quarter's, year's and overall rows follow when read,
    ``bring_up_to_date``). The caller holds the member's row lock."""
    keys = periods_of_month(month)
    stored = dict(MemberCredit.objects.filter(member=member, period__in=keys).values_list("period", "entries"))
    if missing := [key for key in keys if key not in stored]:
        MemberCredit.objects.bulk_create([MemberCredit(member=member, period=key, points=delta, entries=new_entries)
                                          for key in missing])
    if stored:
        MemberCredit.objects.filter(member=member, period__in=list(stored)).update(
            points=Round(F("points") + delta, 2), entries=F("entries") + new_entries)
    chains = register_chains(member, keys)  # each period counts the member where their spell then was
    written: dict[str, set[int]] = {}
    if chain := chains[month]:
        first_study = int(stored.get(month, 0) == 0 and new_entries > 0)
        _add_to_chain(chain, month, {"points": delta, "participants": first_study})
        _rescore(parse(month), chain)
        written[month] = {o.pk for o in chain}
    _counted_elsewhere(written, [(parse(key), chains[key]) for key in keys if key != month])


# --- Quarters, years and overall: brought up to date when read -------------------------------------
# An event writes its month's score rows only (the organization chain: one row per tree level). The
# rows of the longer periods are not sums of months (a member participates once a quarter, an exam
# counts once a period), so they are computed from the members' own period totals and metric rows —
# which every event keeps for every period — with the recompute's own SQL, restricted to the subtree
# an administrator opens, when its month rows changed since it was last computed. Every event that
# changes a longer period's numbers changes a month row of its subtree in that period (its points,
# entries, metrics or members), and the organization's own month row follows every event below it, so
# "its month rows' newest change is after the rows were computed" is exactly "they are out of date" —
# unless the longer period counts the member in another organization than the month does (a transfer
# dated after the month's end): then the event marks that chain out of date itself (``_counted_elsewhere``).

def _month_rows(period: Period) -> Q:
    if period.months:
        return Q(period__in=period.months)
    return Q(period__regex=r"^[0-9]{4}-[0-9]{2}$")


def _newest_month_change(scope: Organization, period: Period) -> dt.datetime | None:
    return (OrganizationScore.objects.filter(_month_rows(period), organization=scope)
            .aggregate(newest=Max("updated_at"))["newest"])


def newest_change(scope: Organization, period: Period) -> dt.datetime | None:
    """When the newest event included in ``scope``'s numbers for ``period`` was applied (数据更新于)."""
    if period.kind == "month":
        return (OrganizationScore.objects.filter(organization=scope, period=period.key)
                .values_list("updated_at", flat=True).first())
    newest = _newest_month_change(scope, period)
    own = (OrganizationScore.objects.filter(organization=scope, period=period.key)
           .values_list("updated_at", flat=True).first())  # a recompute or a rescore wrote it later
    return max([t for t in (newest, own) if t is not None], default=None)


def _covered_as_of(scope: Organization, period: Period) -> dt.datetime | None:
    """When ``scope``'s rows of ``period`` were last brought up to date (as a subtree of its own or of an
    organization above it)."""
    return (OrganizationScore.objects.filter(period=period.key, organization__path__in=[*scope.ancestor_paths(),
                                                                                       scope.path])
            .aggregate(as_of=Max("as_of"))["as_of"])


def bring_up_to_date(scope: Organization, period: Period) -> bool:
    """Make the score rows of ``scope``'s subtree for a quarter, year or ``all`` current (a month's always
    are): recomputed from the members' period rows if a month row of the subtree changed since they were
    last. Holds the recompute's lock meanwhile, so no event is half applied. True if it recomputed."""
    if period.kind == "month":
        return False
    newest = _newest_month_change(scope, period)
    covered = _covered_as_of(scope, period)
    if covered is not None and (newest is None or newest <= covered):
        return False
    if time.monotonic() < _busy_until[0]:  # a recompute held the lock a moment ago: do not wait again
        return False
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":  # a running recompute holds the lock: show what is stored
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = {int(settings.CREDITS_CATCH_UP_LOCK_TIMEOUT_SECONDS * 1000)}")
            recompute_exclusive()
            # what committed before the lock (no month row at all: as of now)
            newest = _newest_month_change(scope, period) or timezone.now()
            organization_scores(period, subtree=scope.path, touched_at=newest)
            OrganizationScore.objects.filter(organization=scope, period=period.key).update(as_of=newest)
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        log.warning("statistics of %s for %s not brought up to date: the recompute lock is held", scope.pk, period.key)
        _busy_until[0] = time.monotonic() + 10
        return False
    return True


_busy_until = [0.0]  # this process's: when to try the lock again after waiting for it in vain


def _counted_elsewhere(written: Mapping[str, set[int]],
                       longer: Sequence[tuple[Period, Sequence[Organization]]]) -> None:
    """An event changed the member's rows of these longer periods too, each counting the member in the chain
    given; ``written``: the months whose score rows it wrote, with their chains. A longer period whose
    change shows in none of those (no month of it written in the same chain: the member counted elsewhere
    than in the month, a transfer since) is marked out of date in its chain."""
    marked: set[frozenset[int]] = set()
    for period, chain in longer:
        ids = frozenset(o.pk for o in chain)
        if not chain or ids in marked:
            continue
        if not any(ids == month_ids for month, month_ids in written.items()
                   if not period.months or month in period.months):
            _out_of_date(chain)
            marked.add(ids)


def _out_of_date(chain: Sequence[Organization]) -> None:
    """Something their month rows do not show changed below these organizations (a chain: every ancestor
    of the lowest one): their quarters', years' and overall rows are recomputed the next time they are
    read."""
    OrganizationScore.objects.filter(~_month_rows(parse(OVERALL)), organization__in=list(chain),
                                     as_of__isnull=False).update(as_of=None)


# --- Metrics and membership (the incremental path, continued) -------------------------------------
# The other components of a score follow their events too, not only the scheduled recompute:
#
# * ``refresh_member_metrics``: after an exam attempt is graded or a lesson completed, the owning app
#   asks again its ORG_METRICS provider for that one member (``fn(period, member_ids=[id])``), stores
#   exactly the rows the recompute would store and adds the differences to the score rows of the
#   member's organization and its ancestors;
# * ``member_moved``: a transfer, a new member or a status change moves the member's whole
#   contribution (one member, participation, points, task and exam sums) from the old chain to the new
#   one, in every period that has score rows and is counted on or after the day it took effect
#   (``periods.register_date``); earlier periods keep counting the member where their spell then was.
# Each writes O(tree depth) rows per period, the same rows the recompute would produce.

METRIC_FIELDS = {"tasks": ("task_done", "task_total"), "exams": ("exam_passed", "exam_total")}


def _chain(organization: Organization) -> list[Organization]:
    return [*Organization.objects.filter(path__in=organization.ancestor_paths()).order_by("depth"), organization]


def _rescore(period: Period, chain: Sequence[Organization]) -> None:
    """Children mode: the chain's averages of their children's scores, bottom-up (in members mode the
    fused write of ``add_to_scores`` already set every rate and score)."""
    scheme = active_scheme()
    if scheme.mode != ScoreMode.CHILDREN:
        return
    for org in sorted(chain, key=lambda o: -o.depth):
        update_children_mode(period, scheme, org.depth, [org.pk])


def _add_to_chain(chain: Sequence[Organization], key: str, deltas: Mapping[str, Param], uncounted: int = 0) -> None:
    """Add ``deltas`` to the chain's score rows of ``key`` (with their rates and score, one UPDATE); a
    missing row is created counting its subtree's members as they are now (less ``uncounted``: a member
    being deleted still is there) and gets no ``members`` delta."""
    sums = {k: v for k, v in deltas.items() if v}
    if not chain or not sums:
        return
    existing = set(OrganizationScore.objects.filter(period=key, organization__in=chain)
                   .values_list("organization_id", flat=True))
    created = []
    for org in chain:
        if org.pk not in existing:
            OrganizationScore.objects.get_or_create(
                organization=org, period=key, defaults={"members": subtree_member_count(org, key) - uncounted})
            created.append(org.pk)
    numbers: dict[str, int | Decimal] = {k: v if isinstance(v, Decimal) else int(v) for k, v in sums.items()}
    add_to_scores(parse(key), [org.pk for org in chain], numbers, member_delta_except=created)


def member_metric_periods(member_id: int, month: str | None = None) -> list[str]:
    """The periods whose metric rows an event of ``month`` may change for this member: those the member
    already has rows in, the event's month with its quarter, year and ``all``, and the current ones."""
    keys = set(MemberMetric.objects.filter(member_id=member_id).values_list("period", flat=True))
    keys.update(default_periods())
    if month:
        keys.update(periods_of_month(month))
    return sorted(keys)


def refresh_member_metrics(member_id: int, keys: Sequence[str]) -> int:
    """Make the member's metric rows of ``keys`` equal to what the providers say now and carry the
    differences up the member's organization chain. Returns the number of periods that changed."""
    member = Member.objects.select_related("organization").filter(pk=member_id).first()
    if member is None:
        return 0
    changed = 0
    written: dict[str, set[int]] = {}  # month -> the chain its rows were written in
    longer: list[tuple[Period, Sequence[Organization]]] = []
    for key in keys:
        period = parse(key)
        with transaction.atomic():
            awards_shared()
            Member.objects.select_for_update().filter(pk=member_id).first()
            fresh: dict[str, tuple[int, int]] = {}
            for rows in collect_for_members(period, [member_id]):
                for row_member, metric, done, total in rows:
                    if row_member == member_id:
                        fresh[metric] = (int(done), int(total))
            stored = {m.metric: m for m in MemberMetric.objects.filter(member_id=member_id, period=key)}
            deltas: dict[str, Param] = {}
            for metric in set(fresh) | set(stored):
                old = (stored[metric].done, stored[metric].total) if metric in stored else (0, 0)
                new = fresh.get(metric)
                if new is None:
                    stored[metric].delete()
                    new = (0, 0)
                elif metric not in stored:
                    MemberMetric.objects.create(member_id=member_id, period=key, metric=metric,
                                                done=new[0], total=new[1])
                elif old != new:
                    MemberMetric.objects.filter(pk=stored[metric].pk).update(done=new[0], total=new[1])
                if metric in METRIC_FIELDS and old != new:
                    done_f, total_f = METRIC_FIELDS[metric]
                    deltas[done_f] = int(deltas.get(done_f, 0)) + new[0] - old[0]
                    deltas[total_f] = int(deltas.get(total_f, 0)) + new[1] - old[1]
            if deltas and (chain := register_chain(member, key)):
                if period.kind == "month":
                    _add_to_chain(chain, key, deltas)
                    _rescore(period, chain)
                    written.setdefault(key, {o.pk for o in chain})
                else:  # the longer periods' rows follow when read (bring_up_to_date)
                    longer.append((period, chain))
                changed += 1
    if longer:
        with transaction.atomic():
            _counted_elsewhere(written, longer)
    return changed


def collect_for_members(period: Period, member_ids: list[int]) -> list[list[tuple[int, str, int, int]]]:
    from wagtail import hooks

    return [list(fn(period, member_ids=member_ids)) for fn in hooks.get_hooks(ORG_METRICS)]


def _contribution(member_id: int, key: str) -> dict[str, int | Decimal]:
    total = MemberCredit.objects.filter(member_id=member_id, period=key).first()
    out: dict[str, int | Decimal] = {"members": 1, "points": total.points if total else Decimal("0"),
                             "participants": int(bool(total and total.entries > 0))}
    for metric in MemberMetric.objects.filter(member_id=member_id, period=key):
        if metric.metric in METRIC_FIELDS:
            done_f, total_f = METRIC_FIELDS[metric.metric]
            out[done_f], out[total_f] = metric.done, metric.total
    return out


def member_moved(member: Member, old_organization_id: int | None, was_active: bool,
                 effective_on: dt.date | None = None) -> None:
    """A member joined, left, changed status or was transferred on ``effective_on`` (today): move their
    contribution from the old organization chain (if they counted there) to the new one (if they count
    now), in every period counted from that day on (``register_date`` on or after it) that has score rows
    in either chain; the periods counted before it keep them where they were. Runs inside the caller's
    transaction, after the member's spells (``Membership``) were written."""
    awards_shared()
    effective_on = effective_on or timezone.localdate()
    old_chain = (_chain(Organization.objects.get(pk=old_organization_id))
                 if was_active and old_organization_id else [])
    new_chain = _chain(member.organization) if member.status == MemberStatus.ACTIVE else []
    old_ids, new_ids = {o.pk for o in old_chain}, {o.pk for o in new_chain}
    leaving = [o for o in old_chain if o.pk not in new_ids]
    joining = [o for o in new_chain if o.pk not in old_ids]
    if not leaving and not joining:
        return
    keys = set(OrganizationScore.objects.filter(organization__in=[*leaving, *joining])
               .values_list("period", flat=True).distinct())
    keys.update(MemberCredit.objects.filter(member_id=member.pk).values_list("period", flat=True))
    keys.update(MemberMetric.objects.filter(member_id=member.pk).values_list("period", flat=True))
    _out_of_date([*old_chain, *new_chain])
    for key in sorted(keys):
        if parse(key).kind != "month":  # those follow when read (bring_up_to_date)
            continue
        if register_date(key) < effective_on:
            continue  # counted before the move took effect: stays with the old organization
        gain = _contribution(member.pk, key)
        _add_to_chain(leaving, key, {k: -v for k, v in gain.items()})
        # joining rows that do not exist yet are created counting their members (this one included)
        present = set(OrganizationScore.objects.filter(period=key, organization__in=joining)
                      .values_list("organization_id", flat=True))
        if present or any(v for k, v in gain.items() if k != "members"):
            _add_to_chain(joining, key, gain)
        # whole chains: in children mode a common ancestor averages a child that changed
        _rescore(parse(key), list({o.pk: o for o in [*old_chain, *new_chain]}.values()))


def member_removed(member: Member) -> None:
    """A member is being deleted: take their contribution out of the score rows of every period that
    counts them, from the chain of the organization it counts them in (their spell on its register
    date; their own totals, metric rows and spells go with them)."""
    organization_ids = set(Membership.objects.filter(member_id=member.pk).values_list("organization_id", flat=True))
    if member.status == MemberStatus.ACTIVE:
        organization_ids.add(member.organization_id)
    if not organization_ids:
        return
    awards_shared()
    chains = [_chain(org) for org in Organization.objects.filter(pk__in=organization_ids)]
    for chain in chains:
        _out_of_date(chain)
    keys = set(OrganizationScore.objects.filter(_month_rows(parse(OVERALL)),
                                                organization__in=[o for chain in chains for o in chain])
               .values_list("period", flat=True).distinct())
    for key in sorted(keys):
        chain = register_chain(member, key)
        if not chain:
            continue
        _add_to_chain(chain, key, {k: -v for k, v in _contribution(member.pk, key).items()}, uncounted=1)
        _rescore(parse(key), chain)


def rescore_all() -> None:
    """The score scheme changed: every stored period's rates and scores follow at once."""
    for key in OrganizationScore.objects.values_list("period", flat=True).distinct():
        period = parse(key)
        scheme = active_scheme()
        update_derived(period, scheme)
        max_depth = Organization.objects.aggregate(d=Max("depth"))["d"] or 0
        for depth in range(max_depth - 1, 0, -1):
            update_children_mode(period, scheme, depth)
