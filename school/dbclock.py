"""The database's clock: what heartbeats, stale-claim checks and leases are compared with.

Each machine's own clock may be off by minutes; a worker two minutes behind would have its live work
taken over if it wrote heartbeats with its own time and another machine judged them with its own. All
machines share one database, so every such timestamp is written and compared with the database's time.
On SQLite (one machine) that is the same clock as the process's."""

from __future__ import annotations

import datetime as dt

from django.db import connection


def now() -> dt.datetime:
    """The database server's current time (aware, UTC)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT clock_timestamp()")
            value = cursor.fetchone()[0]
            return value.astimezone(dt.UTC)
        cursor.execute("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
        text = cursor.fetchone()[0]
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
