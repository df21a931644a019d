"""Daily caps and member totals of a period, from ONE grouped scan of its ledger rows.

1. The scan groups the period's ledger rows by (month, member) into a temporary table: each
   member-month's points and row count, and whether a daily cap could change anything in it (see
   ``_scan_sql``: if no capped version's raw points over the whole month exceed its cap, no day's can,
   and rows already cut may have to be restored). Ledger data is sparse per member and day, so few
   member-months qualify.
2. Within those member-months, only the (rule, day) groups over their cap or with a row already cut
   go through the cap window (same (earned_at, id) order as the incremental path); the member-months'
   totals are re-read if a row changed.
3. Month, quarter, year or overall totals are synced from the scan (``scratch.sync``): only rows that
   differ are written. A quarter's or year's total is the sum of its month totals, as the incremental
   path keeps it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import connection

from .models import CreditEntry, CreditRuleVersion, MemberCredit
from .periods import OVERALL, Period
from .scratch import Param, sync

AGG = "credits_member_months"
SUM_ROWS = f"SELECT member_id, ROUND(SUM(points), 2) AS points, SUM(entries) AS entries FROM {AGG} GROUP BY member_id"  # noqa: S608


def rebuild(period: Period) -> None:
    caps = dict(CreditRuleVersion.objects.filter(daily_cap__isnull=False).values_list("pk", "daily_cap"))
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
        sync(total_t, ["member_id"], cols, "", [], scope={"period": period.key}, source=AGG)
    else:
        if period.kind != "all":
            months: list[Param] = list(period.months)
            sync(total_t, ["period", "member_id"], cols, "", [], scope={"period": months}, source=AGG)
        sync(total_t, ["member_id"], cols, SUM_ROWS, [], scope={"period": period.key})
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {AGG}")


def _index() -> str:
    """SQLite's planner prefers walking the member_id index (to skip a sort) and then reads every
    ledger row of every period; the covering period index is far cheaper. PostgreSQL plans well."""
    return " INDEXED BY credit_entry_period" if connection.vendor == "sqlite" else ""


def _scan_sql(where: str, capped: list[int]) -> str:
    """The flag: some row already cut (SUM(raw) > SUM(points); no row has points > raw), or the
    member-month's raw points of capped versions, each divided by its cap, sum to more than one (then
    possibly one version's month — and so one of its days — exceeds its cap; otherwise none can).
    One CASE per row whatever the number of capped versions."""
    entry_t = CreditEntry._meta.db_table
    flag = "0"
    if capped:
        shares = " ".join(["WHEN %s THEN e.raw_points * %s"] * len(capped))
        flag = (f"CASE WHEN SUM(e.raw_points) > SUM(e.points) OR SUM(CASE e.rule_version_id {shares} ELSE 0 END)"
                " > 0.999999 THEN 1 ELSE 0 END")
    return f"""CREATE TEMP TABLE {AGG} AS
               SELECT e.month AS period, e.member_id, ROUND(SUM(e.points), 2) AS points, COUNT(*) AS entries,
                      {flag} AS capped
               FROM {entry_t} e{_index()} WHERE {where} GROUP BY e.month, e.member_id"""  # noqa: S608


def _flag_params(caps: Mapping[int, Decimal | None]) -> list[Param]:
    """(version, 1 / cap) pairs, the factor rounded up (a cap of 0: anything counts as over it)."""
    out: list[Param] = []
    for pk, cap in caps.items():
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
