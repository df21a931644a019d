"""Notification fan-out to a subtree of 100,000 members, against one bulk INSERT of the same rows, and the
bell's unread count with 1 million notification rows.

    python bench/notify.py [--members 100000] [--rows 1000000]

``fanout_100k_s``: ``school.services.notifications.do_notify`` for every member of the subtree (the query
that picks them is part of it). ``fanout_vs_bulk_insert``: that time ÷ the time of one ``executemany``
INSERT of the same, precomputed rows (the floor for writing them; goal ≤ 2). ``unread_count_ms``: median
time of ``unread_count(user)`` over 200 users once the table holds ``--rows`` rows (goal: one indexed query).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import _django

_django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from school import services  # noqa: E402
from school.models import Member, Notification, Organization  # noqa: E402
from school.services.notifications import do_notify, unread_count  # noqa: E402


def make_members(n: int) -> Organization:
    root = services.create_organization(parent=None, name="基准区委", code="NB", kind="committee")
    branches = [services.create_organization(parent=root, name=f"支部{i}", code=f"NB{i:03d}", kind="branch")
                for i in range(100)]
    User = get_user_model()
    batch = 5000
    for start in range(0, n, batch):
        with transaction.atomic():
            users = User.objects.bulk_create([User(username=f"nb{i}", password="!", is_active=True)  # noqa: S106
                                              for i in range(start, min(n, start + batch))])
            Member.objects.bulk_create([Member(user=u, name=f"党员{u.username}", organization=branches[k % 100])
                                        for k, u in enumerate(users)])
    return root


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"# database: {connection.vendor}")
    start = time.perf_counter()
    root = make_members(args.members)
    print(f"# built {args.members} members in {time.perf_counter() - start:.1f}s")
    subtree = Member.objects.filter(Organization.subtree_q(root.path, "organization__path"))

    start = time.perf_counter()
    written = do_notify(subtree.values("user_id"), kind="notice_published", title="关于开展专题学习的通知",
                        url="/notices/1/")
    fanout = time.perf_counter() - start
    assert written == args.members, written

    user_ids = list(subtree.values_list("user_id", flat=True))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [(uid, "notice_published", "关于开展专题学习的通知", "", "/notices/1/", "", "bulk", now) for uid in user_ids]
    table = Notification._meta.db_table
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} (user_id, kind, title, body, url, dedupe_key, batch, created_at) "  # noqa: S608
                           "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)
    bulk = time.perf_counter() - start
    print(f"metric fanout_100k_s {fanout:.3f}")
    print(f"# bulk INSERT of the same {len(rows)} rows: {bulk:.3f}s")
    print(f"metric fanout_vs_bulk_insert {fanout / bulk:.2f}")

    while Notification.objects.count() < args.rows:
        do_notify(subtree.values("user_id"), kind="reminder", title="请完成学习任务")
    # Most of them read, as in a living site: the unread index stays small, the table large.
    Notification.objects.filter(kind="notice_published").update(read_at=timezone.now())
    total = Notification.objects.count()
    rng = random.Random(3)
    users = list(get_user_model().objects.filter(pk__in=rng.sample(user_ids, 200)))
    timings = []
    for user in users:
        start = time.perf_counter()
        unread_count(user)
        timings.append((time.perf_counter() - start) * 1000)
    with connection.cursor() as cursor:
        query = Notification.objects.filter(user_id=users[0].pk, read_at__isnull=True).order_by().values("pk")
        sql, params = query.query.sql_with_params()
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(explain + sql, params)
        plan = " | ".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
    print(f"# {total} notification rows; plan: {plan}")
    print(f"metric unread_count_ms {statistics.median(timings):.3f}")


if __name__ == "__main__":
    main()
