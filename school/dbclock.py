"""The database's clock: what heartbeats, stale-claim checks and leases are compared with.

Each machine's own clock may be off by minutes; a worker two minutes behind would have its live work
taken over if it wrote heartbeats with its own time and another machine judged them with its own. All
machines share one database, so every such timestamp is written and compared with the database's time.
On SQLite (one machine: the database file is local) the database's clock is this machine's."""

from __future__ import annotations

import datetime as dt

from django.db import connection


def now() -> dt.datetime:
    """The database server's current time (aware, UTC)."""
    if connection.vendor != "postgresql":
        return dt.datetime.now(dt.UTC)  # the database file is on this machine: its clock is this one
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        value: dt.datetime = cursor.fetchone()[0]
    return value.astimezone(dt.UTC)
