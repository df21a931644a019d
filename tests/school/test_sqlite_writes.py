"""school.db.serialized_writes: the one queue for SQLite writers (exam starts, credit awards)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from school.db import serialized_writes

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="a no-op on PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_it_lets_one_writer_at_a_time_through_and_never_deadlocks_when_nested() -> None:
    inside: list[int] = []
    overlaps: list[int] = []
    barrier = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            with serialized_writes():
                if inside:
                    overlaps.append(n)
                inside.append(n)
                with serialized_writes():  # nested (an on_commit callback awarding credits): no deadlock
                    time.sleep(0.05)
                inside.remove(n)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    assert overlaps == [] and time.monotonic() - started >= 0.2  # four writers, one after another
