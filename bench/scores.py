"""Credit scores at scale: 20,000 organizations, 200,000 members, 5 million ledger rows.

    python bench/scores.py                 # full size (SQLite under a temporary VAR_DIR)
    python bench/scores.py --scale 0.2     # a fifth of everything
    DATABASE_URL=postgres://.../scratch python bench/scores.py   # the same on PostgreSQL

Builds the data twice as big in two steps (a tenth, then the rest), so that the recompute is timed
at 20,000 and at 200,000 members on the same database. Prints:

- ``setbased_vs_loop``: the naive recompute, a Python loop over organizations doing for each what the
  set-based recompute does for all (``_score_loops.full_loop``: its members' daily caps and month and
  period totals, then its subtree sums and score; a few queries per organization; timed on a sample of
  organizations, best of two runs, extrapolated to all of them; it must leave every number as the
  set-based recompute made it) ÷ the whole set-based recompute of the same period (best of five);
- ``setbased_vs_org_only_loop``: the same with the lighter loop printed first (subtree sums straight
  from the ledger, one aggregate query per organization: no caps, no member totals, two of the four
  score components);
- ``recompute_growth_10x``: set-based recompute at 10x the members, organizations and ledger rows ÷
  at 1x;
- ``dashboard_ms``: median time to build a committee's statistics page (its ~5,000-member subtree)
  through the Django test client, templates included.
- ``event_to_dashboard_p99_ms``: ``--events`` mixed events (lesson completions and practice days
  awarded through ``post_credit`` — synthetic verified sources, as the demo's —, exam results through
  ``refresh_member_metrics`` with a synthetic exam provider, a third of them passes with their award)
  for members of that committee, each followed by reads of the committee's statistics page until it
  shows the event (its 数据更新于 is at or after the event's start); p99 of event start → page showing it
  (one process: events and reads alternate);
- ``incremental_writes_per_event``: rows written (INSERT/UPDATE/DELETE row counts) per event by those
  events, all components, mean; the tree depth is printed with it.
- ``long_period_first_read_ms``: the first read of the committee's quarter page after those events, which
  brings its subtree's quarter rows up to date (the events wrote the month's rows only); the next reads'
  time is printed with it.

Comments: the step times of one recompute, and a recompute with every stored total and score of the
period wrong (every derived row rewritten: the by-difference sync must stay linear).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

import _django

_django.setup()

import _score_loops  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, F, Max, Sum  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from school.credits import recompute  # noqa: E402
from school.credits.models import (  # noqa: E402
    CreditEntry,
    CreditRule,
    CreditRuleVersion,
    MemberCredit,
    OrganizationScore,
)
from school.credits.periods import Period, parse  # noqa: E402
from school.models import Member, Membership, Organization  # noqa: E402

ON_THE_ROLL_SINCE = dt.date(2000, 1, 1)

PERIOD = "2026-Q4"
RULES = [("video", "lesson", "3", "6"), ("course", "course", "5", None), ("exam", "exam", "4", None),
         ("practice", "practice", "1", "5"), ("doc", "document", "0.5", "3")]


def build_tree(prefix: str, root_index: int, fanout: list[int]) -> list[int]:
    """One root with the given fan-out per level; returns the ids of the leaves."""
    _django.bulk_tree(prefix, root_index, fanout, ["committee", "committee", "general_branch", "branch"])
    depth = len(fanout) + 1
    return list(Organization.objects.filter(code__startswith=prefix, depth=depth).values_list("pk", flat=True))


def build_members(prefix: str, leaves: list[int], count: int) -> list[int]:
    user_t = get_user_model()._meta.db_table
    member_t = Member._meta.db_table
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {user_t} (password, is_superuser, username, first_name, last_name, email, is_staff,"  # noqa: S608
            " is_active, date_joined) VALUES (%s, %s, %s, '', '', '', %s, %s, %s)",
            [("!", False, f"{prefix}{i}", False, True, now) for i in range(count)])
    users = list(get_user_model().objects.filter(username__startswith=prefix).order_by("pk").values_list("pk", flat=True))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {member_t} (user_id, name, organization_id, political_status, gender, ethnicity,"  # noqa: S608
            " education, position, phone, id_number_encrypted, status, account_state, must_change_password,"
            " created_at, updated_at)"
            " VALUES (%s, %s, %s, 'full', '', '汉族', '', '', '', '', 'active', 'active', %s, %s, %s)",
            [(u, f"党员{i}", leaves[i % len(leaves)], False, now, now) for i, u in enumerate(users)])
    members = Member.objects.filter(user__username__startswith=prefix).values_list("pk", "organization_id")
    # on the roll (one open spell) since long before the ledger's months, as the migration leaves members
    Membership.objects.bulk_create([Membership(member_id=pk, organization_id=org, valid_from=ON_THE_ROLL_SINCE)
                                    for pk, org in members], batch_size=5000)
    return [pk for pk, _org in members]


def make_rules() -> list[tuple[int, int, str]]:
    out = []
    for code, source, points, cap in RULES:
        rule = CreditRule.objects.create(code=code, name=code, source_type=source)
        version = CreditRuleVersion.objects.create(rule=rule, points=Decimal(points), effective_from=dt.date(2025, 1, 1),
                                                   daily_cap=Decimal(cap) if cap else None)
        out.append((rule.pk, version.pk, source))
    return out


def build_ledger(members: list[int], count: int, rules: list[tuple[int, int, str]], seed: int) -> None:
    """``count`` rows spread over 2026; a fifth of members never study. executemany in batches."""
    rng = random.Random(seed)
    entry_t = CreditEntry._meta.db_table
    studying = members[: max(1, len(members) * 4 // 5)]
    start = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    points = {r[0]: p for r, (_c, _s, p, _cap) in zip(rules, RULES, strict=True)}
    sql = (f"INSERT INTO {entry_t} (member_id, rule_id, rule_version_id, source_type, source_id, period_key,"  # noqa: S608
           " quantity, raw_points, points, earned_at, day, month, created_at)"
           " VALUES (%s, %s, %s, %s, %s, '', NULL, %s, %s, %s, %s, %s, %s)")
    now = timezone.now()
    batch = []
    base = seed * 100_000_000
    for n in range(count):
        rule_id, version_id, source = rules[n % len(rules)]
        earned = start + dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
        day = earned.date()
        p = points[rule_id]
        batch.append((rng.choice(studying), rule_id, version_id, source, base + n, p, p, earned, day,
                      f"{day.year}-{day.month:02d}", now))
        if len(batch) == 100_000:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, batch)
            batch = []
    if batch:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)


def analyze() -> None:
    """Statistics for the planner; on PostgreSQL also the visibility map, which index-only scans of the
    ledger need. Production's autovacuum keeps both current (it vacuums insert-only tables too); this
    machine's PostgreSQL runs with autovacuum off, and the bench times right after bulk inserts."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def score_rows(orgs: list[Organization], period: str) -> list[tuple[object, ...]]:
    return sorted(OrganizationScore.objects.filter(organization__in=orgs, period=period).values_list(
        "organization_id", "members", "participants", "points", "avg_points", "participation_rate", "score"))


def member_totals(period: Period) -> tuple[dict[str, object], dict[str, object]]:
    """The period's member totals and capped ledger points, summed: a naive loop that computed other
    totals or cuts would change them."""
    return (MemberCredit.objects.filter(period__in=[*period.months, period.key]).aggregate(
                rows=Count("pk"), points=Sum("points"), entries=Sum("entries")),
            CreditEntry.objects.filter(month__in=period.months).aggregate(points=Sum("points")))


def loops(orgs: list[Organization], sample_size: int, big_time: float) -> None:
    """Both naive loops over the same sample (best of two runs each), extrapolated to every organization;
    the full loop must leave every number of the sample as the set-based recompute made it."""
    period = parse(PERIOD)
    sample = random.Random(3).sample(orgs, min(sample_size, len(orgs)))
    scale = len(orgs) / len(sample)
    before = score_rows(sample, PERIOD), member_totals(period)
    full = min(_score_loops.full_loop(sample, period) for _ in range(2)) * scale
    assert (score_rows(sample, PERIOD), member_totals(period)) == before, "the naive loop disagrees with the recompute"
    org_only = min(_score_loops.org_only_loop(sample, period) for _ in range(2)) * scale
    print(f"# loops over {len(sample)} sampled organizations, extrapolated to {len(orgs)}: the full loop "
          f"{full:.1f} s, the organization-only loop {org_only:.1f} s", flush=True)
    _django.metric("setbased_vs_loop", full / big_time)
    _django.metric("setbased_vs_org_only_loop", org_only / big_time)


def changed_recompute(period: str) -> float:
    """The recompute when every stored number of the period is wrong (each total and score row has to
    be rewritten): the by-difference sync must stay linear in the rows it rewrites."""
    months = [*parse(period).months, period]
    MemberCredit.objects.filter(period__in=months).update(points=F("points") + 1)
    OrganizationScore.objects.filter(period=period).update(points=F("points") + 1)
    return _django.best_of(1, lambda: recompute.recompute([period]))


def dashboard(org: Organization) -> float:
    return dashboard_reads(org)[1]


def dashboard_reads(org: Organization) -> tuple[float, float]:
    """(ms of the first read, median ms of the next six) of the committee's statistics page for PERIOD."""
    User = get_user_model()
    admin, _created = User.objects.get_or_create(username="bench-admin", defaults={"is_superuser": True, "is_staff": True})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    url = reverse("credits_admin:organization", args=[org.pk]) + f"?period={PERIOD}"
    times = []
    for _ in range(7):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return times[0] * 1000, statistics.median(times[1:]) * 1000


def events_to_dashboard(committee: Organization, count: int) -> tuple[float, float, int]:
    """(p99 ms from an event's start to the committee's page showing it, mean rows written per event,
    tree depth)."""
    from wagtail import hooks

    from school.credits import rules as credit_rules
    from school.credits.services import post_credit
    from school.hooks import ORG_METRICS

    rng = random.Random(5)
    members = list(Member.objects.filter(Organization.subtree_q(committee.path, "organization__path"))
                   .values_list("pk", flat=True)[:2000])
    exams: dict[int, list[int]] = {}  # member -> [passed, taken] this month

    def provider(period: Period, member_ids: list[int] | None = None) -> list[tuple[int, str, int, int]]:
        if period.key != month and period.key not in recompute.periods_of_month(month):
            return []
        return [(m, "exams", p, t) for m, (p, t) in exams.items() if member_ids is None or m in member_ids]

    month = f"{timezone.localdate():%Y-%m}"
    real = credit_rules.Source(verify=lambda m, s: True, quantity=lambda m, s: Decimal("1"))
    User = get_user_model()
    admin, _created = User.objects.get_or_create(username="bench-admin", defaults={"is_superuser": True, "is_staff": True})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    url = reverse("credits_admin:organization", args=[committee.pk]) + f"?period={month}"
    written = [0]
    by_table: dict[str, int] = {}
    table_re = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w]+)"?', re.IGNORECASE)
    pending: list[tuple[str, object]] = []  # (table, cursor) of statements whose rows are still being returned

    def add(table: str, cursor: object) -> None:
        rows = max(0, getattr(cursor, "rowcount", 0))
        written[0] += rows
        by_table[table] = by_table.get(table, 0) + rows

    def settle() -> None:
        """SQLite counts an INSERT ... RETURNING's rows only once they are fetched (Django fetches them
        right after the statement): read them before the next statement or at the end of the event."""
        while pending:
            add(*pending.pop())

    def count_writes(execute, sql, params, many, context):
        """Every row of every table (the incremental path writes no temporary table; any it did would
        be counted too)."""
        settle()
        result = execute(sql, params, many, context)
        found = table_re.match(sql)
        if found:
            if " RETURNING " in sql.upper() and connection.vendor == "sqlite":
                pending.append((found.group(1), context["cursor"]))
            else:
                add(found.group(1), context["cursor"])
        return result

    def changes() -> int:  # SQLite's own count of rows written on this connection: the cross-check
        return connection.connection.total_changes if connection.vendor == "sqlite" else 0

    latencies, writes = [], []
    unchanged = 0
    with credit_rules.override_verifiers(lesson=real, practice=real, exam=real), \
            hooks.register_temporarily(ORG_METRICS, provider):
        client.get(url)
        for n in range(count):
            member = rng.choice(members)
            kind = rng.choice(["lesson", "practice", "exam"])
            started = timezone.now()
            t0 = time.perf_counter()
            written[0] = 0
            before = changes()
            scores_before = by_table.get(OrganizationScore._meta.db_table, 0)
            with connection.execute_wrapper(count_writes):
                if kind == "exam":
                    passed = rng.random() < 0.34
                    row = exams.setdefault(member, [0, 0])
                    row[0] += int(passed)
                    row[1] += 1
                    recompute.refresh_member_metrics(member, recompute.periods_of_month(month))
                    if passed:
                        post_credit(member, "exam", 8_000_000_000 + n, started)
                else:
                    post_credit(member, kind, 8_000_000_000 + n, started)
            settle()
            writes.append(written[0])
            if connection.vendor == "sqlite":
                assert changes() - before == written[0], (changes() - before, written[0])
            if by_table.get(OrganizationScore._meta.db_table, 0) == scores_before:
                # nothing the page shows changed (an award cut to 0 by its daily cap): it is current as it
                # is, and its 数据更新于 (when its numbers last changed) rightly stays where it was
                unchanged += 1
                latencies.append((time.perf_counter() - t0) * 1000)
                continue
            shown_from = timezone.localtime(started).strftime("%Y-%m-%d %H:%M:%S")
            while True:  # what the administrator sees: 数据更新于 <time> (to the second)
                html = client.get(url).content.decode()
                found = re.search(r"数据更新于 (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", html)
                if found and found.group(1) >= shown_from:
                    break
                if time.perf_counter() - t0 > 60:
                    raise AssertionError(f"event {n} ({kind}) not shown after 60 s: {found and found.group(1)}")
            latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    depth = Organization.objects.aggregate(d=Max("depth"))["d"] or 0
    print(f"# {unchanged} of {count} events changed no number the page shows (awards cut to 0 by a daily cap):"
          " not waited for", flush=True)
    print("# rows written per event by table: " + ", ".join(
        f"{table} {rows / max(1, count):.2f}" for table, rows in sorted(by_table.items())), flush=True)
    return p99, statistics.mean(writes), depth


def profile_steps() -> None:
    recompute._tune_connection()
    period = parse(PERIOD)
    steps: list[tuple[str, Callable[[Period], None]]] = [
        ("caps and member totals", recompute.rebuild), ("metrics", recompute.metrics),
        ("organization scores", lambda p: recompute.organization_scores(p))]
    parts = []
    for name, fn in steps:
        started = time.perf_counter()
        with transaction.atomic():
            recompute._work_mem()
            fn(period)
        parts.append(f"{name} {time.perf_counter() - started:.2f} s")
    print("#   steps: " + ", ".join(parts), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--loop-sample", type=int, default=400)
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    s = args.scale
    rules = make_rules()
    # 1x: a tenth of everything. Fan-out per level: committees, general branches, branches.
    t0 = time.perf_counter()
    branches = max(1, round(99 * s))  # branches per general branch; members per branch stay ~10
    small_leaves = build_tree("S", 1, [4, 5, branches])
    small_members = build_members("s", small_leaves, round(20_000 * s))
    build_ledger(small_members, round(500_000 * s), rules, seed=1)
    analyze()
    recompute.recompute([PERIOD])  # warm-up (applies the daily caps once)
    small_time = _django.best_of(5, lambda: recompute.recompute([PERIOD]))
    profile_steps()
    small_orgs = Organization.objects.count()
    print(f"# {connection.vendor}: 1x = {small_orgs} organizations, {Member.objects.count()} members, "
          f"{CreditEntry.objects.count()} ledger rows; built in {time.perf_counter() - t0:.0f} s; "
          f"recompute {PERIOD} {small_time:.2f} s", flush=True)
    # 10x: add the other nine tenths under a second root.
    t0 = time.perf_counter()
    big_leaves = build_tree("B", 2, [36, 5, branches])
    big_members = build_members("b", big_leaves, round(180_000 * s))
    build_ledger(big_members, round(4_500_000 * s), rules, seed=2)
    analyze()
    recompute.recompute([PERIOD])
    big_time = _django.best_of(5, lambda: recompute.recompute([PERIOD]))
    profile_steps()
    changed = changed_recompute(PERIOD)
    orgs = list(Organization.objects.order_by("path"))
    print(f"# 10x = {len(orgs)} organizations, {Member.objects.count()} members, "
          f"{CreditEntry.objects.count()} ledger rows; built in {time.perf_counter() - t0:.0f} s; "
          f"recompute {PERIOD} {big_time:.2f} s; with every total and score of it wrong {changed:.2f} s", flush=True)
    loops(orgs, args.loop_sample, big_time)
    committee = Organization.objects.filter(code__startswith="B", depth=2).order_by("path").first()
    assert committee is not None
    size = Member.objects.filter(Organization.subtree_q(committee.path, "organization__path")).count()
    dash = dashboard(committee)
    print(f"# dashboard of a committee with {size} members", flush=True)
    _django.metric("recompute_growth_10x", big_time / small_time)
    _django.metric("dashboard_ms", dash)
    p99, writes, depth = events_to_dashboard(committee, args.events)
    print(f"# {args.events} events; tree depth {depth} (goal for the writes: <= {2 * depth + 4})", flush=True)
    _django.metric("event_to_dashboard_p99_ms", p99)
    _django.metric("incremental_writes_per_event", writes)
    # The events wrote the month's rows only: the first read of the quarter brings the committee's
    # quarter rows up to date (recompute.bring_up_to_date), the next ones find them current.
    first, current = dashboard_reads(committee)
    print(f"# {PERIOD} page after the events: first read {first:.1f} ms (brings the subtree up to date), "
          f"then {current:.1f} ms", flush=True)
    _django.metric("long_period_first_read_ms", first)


if __name__ == "__main__":
    main()
