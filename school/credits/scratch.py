"""Rewrite a period's derived rows by difference.

The recompute computes the rows a period should have into a temporary table and compares them with
the stored rows in one join: only rows whose numbers differ are updated, missing ones inserted, and
stored rows without a counterpart deleted (looked for only when the counts say there are some). The
result is the same as deleting and re-inserting everything, but a scheduled recompute over a ledger
that barely changed writes almost nothing, and on both databases writing (index maintenance, WAL) is
most of what a delete-and-insert costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import connection
from django.db.backends.utils import CursorWrapper

Param = int | str | float | Decimal
NEW, CHANGED = "credits_scratch", "credits_changed"


def sync(table: str, keys: Sequence[str], values: Sequence[str], *, scope: dict[str, Param | list[Param]],
         select_sql: str = "", params: Sequence[Param] = (), source: str | None = None,
         insert_defaults: dict[str, Param] | None = None) -> None:
    """Make the rows of ``table`` within ``scope`` (column = value, or column IN list) equal to the rows
    of ``select_sql`` — or of the temporary table ``source``, kept — which have the columns ``keys`` and
    ``values`` (none of them NULL). Scope columns that are not keys are written into inserted rows, with
    ``insert_defaults``."""
    new = source or NEW
    fixed = {c: v for c, v in scope.items() if c not in keys and not isinstance(v, list)}
    fixed.update(insert_defaults or {})
    in_scope, scope_params = _scope(table, scope)
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
                  SELECT {', '.join(f'c.{v}' for v in values)} FROM {CHANGED} c WHERE c.target_id = {table}.id)
                WHERE id IN (SELECT target_id FROM {CHANGED} WHERE target_id IS NOT NULL)""")  # noqa: S608
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
