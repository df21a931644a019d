"""The heartbeat's two statements in plain SQL: the ORM spent more time building these queries than the
database spent running them (bench/heartbeat.py). Portable across SQLite and PostgreSQL; values go
through the fields' own adapters."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection

from school.models import Member

from ..models import StudyProgress


@dataclass
class ProgressRow:
    pk: int
    member_id: int
    kind: str
    duration: float
    required_seconds: float
    intervals: list[list[float]]
    furthest_position: float
    position: float
    completed: bool
    session_token: str
    last_seq: int
    last_heartbeat_at: dt.datetime | None
    page_live: bool


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


_SELECT = (
    "SELECT p.id, p.member_id, p.kind, p.duration, p.required_seconds, p.intervals, p.furthest_position, "
    "p.position, p.completed_at IS NOT NULL, p.session_token, p.last_seq, p.last_heartbeat_at, pg.live "
    "FROM {progress} p INNER JOIN {member} m ON m.id = p.member_id "
    "INNER JOIN {page} pg ON pg.id = p.page_id WHERE m.user_id = %s AND p.page_id = %s"
)
_UPDATE = "UPDATE {progress} SET {sets} WHERE id = %s AND session_token = %s AND last_seq = %s"


def _select_sql() -> str:
    # Identifiers come from model metadata; values are always parameters.
    return _SELECT.format(progress=_q(StudyProgress._meta.db_table), member=_q(Member._meta.db_table),
                          page=_q("wagtailcore_page"))


def fetch(user_id: int, page_id: int) -> ProgressRow | None:
    with connection.cursor() as cursor:
        cursor.execute(_select_sql(), [user_id, page_id])
        row = cursor.fetchone()
    if row is None:
        return None
    intervals = row[5]
    if isinstance(intervals, str | bytes):
        intervals = json.loads(intervals)
    last = row[11]
    if isinstance(last, str):
        last = dt.datetime.fromisoformat(last)
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    return ProgressRow(int(row[0]), int(row[1]), str(row[2]), float(row[3]), float(row[4]), list(intervals or []),
                       float(row[6]), float(row[7]), bool(row[8]), str(row[9] or ""), int(row[10]), last,
                       bool(row[12]))


def update(row: ProgressRow, *, intervals: list[list[float]], watched: float, position: float, furthest: float,
           seq: int, now: dt.datetime, completed_at: dt.datetime | None) -> bool:
    """One conditional UPDATE: applies only if no other heartbeat of this session got in first."""
    ops = connection.ops
    field = StudyProgress._meta.get_field("intervals")
    stamp = ops.adapt_datetimefield_value(now)
    sets = ["intervals = %s", "watched_seconds = %s", "position = %s", "furthest_position = %s", "last_seq = %s",
            "last_heartbeat_at = %s", "updated_at = %s"]
    params: list[Any] = [field.get_db_prep_save(intervals, connection), watched, position, furthest, seq, stamp,
                         stamp]
    if completed_at is not None:
        sets.append("completed_at = %s")
        params.append(ops.adapt_datetimefield_value(completed_at))
    sql = _UPDATE.format(progress=_q(StudyProgress._meta.db_table), sets=", ".join(sets))
    if completed_at is not None:
        sql += " AND completed_at IS NULL"
    params += [row.pk, row.session_token, row.last_seq]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return bool(cursor.rowcount == 1)
