"""A recompute must not interleave with awards (it rebuilds rows an award would update). On
PostgreSQL awards take a shared advisory transaction lock and the recompute an exclusive one; on
SQLite every write transaction is already serialized, so these are no-ops."""

from __future__ import annotations

from django.db import connection

_KEY = 60_06_2026


def awards_shared() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_KEY])


def recompute_exclusive() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_KEY])
