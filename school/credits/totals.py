"""Daily caps and member totals of a period, from ONE grouped scan of its ledger rows.

1. The scan groups the period's ledger rows by (month, member) into a temporary table: each
   member-month's points and row count, and whether a daily cap could change anything in it (see
   ``_scan_sql``: if no capped version's raw points over the whole month exceed its cap, no day's can;
   rows already cut may have to be restored). Ledger data is sparse per member and day, so few
   member-months qualify.
2. Within those member-months, only the (rule, day) groups over their cap or with a row already cut
   go through the cap window (same (earned_at, id) order as the incremental path); the member-months'
   totals are re-read if a row changed.
3. Month, quarter, year or overall totals are synced from the scan (``scratch.sync``): only rows that
   differ are written. A quarter's or year's total is the sum of its month totals, as the incremental
   path keeps it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.db import connection
from django.db.models import Q

from .models import CreditEntry, CreditRuleVersion, MemberCredit
from .periods import OVERALL, Period
from .scratch import Param, sync

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
