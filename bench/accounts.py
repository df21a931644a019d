"""Accounts at district scale: issuing activation codes for 10,000 members (keyed hashes, revoking earlier
codes, the Excel sheet), and a login by mobile number or ID number against a login by login name, with
200,000 members in the table, through the same login view on the same database.

    python bench/accounts.py [--members 200000] [--codes 10000] [--logins 15]

Set BENCH_VAR_DIR to the folder of an earlier run to reuse its members (inserting 200,000 takes minutes).

``login_by_phone_vs_name`` = time of a login by login name / time of a login by phone (1.0 = as fast;
goal >= 0.8). With the configured password hasher (PBKDF2) the hash dominates; ``login_lookup_*`` repeat
the comparison with a cheap hasher, so that only the lookup differs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import _django

_django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from school import sensitive, services  # noqa: E402
from school.accounts import services as accounts  # noqa: E402
from school.models import AccountState, Member  # noqa: E402

PASSWORD = "bench-Pass-2024"  # noqa: S105 - a throwaway benchmark database


def id_number(i: int) -> str:
    """A distinct valid ID number for every i (1,000 people per birth date from 1950-01-01)."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=i // 1000)
    first17 = f"310101{birth:%Y%m%d}{i % 1000:03d}"
    return first17 + sensitive.id_number_check_digit(first17)


def populate(n: int) -> list[int]:
    """``n`` members in 200 branches, bulk-inserted: unique login names, phones and ID numbers."""
    User = get_user_model()
    root = services.create_organization(parent=None, name="基准区委", code="BENCH", kind="committee")
    branches = [services.create_organization(parent=root, name=f"支部{i}", code=f"BENCH{i:03d}", kind="branch")
                for i in range(200)]
    password_hash = make_password(PASSWORD)
    start = time.perf_counter()
    for chunk in range(0, n, 10_000):
        users, members = [], []
        for i in range(chunk, min(n, chunk + 10_000)):
            digest = sensitive.digest(id_number(i))
            users.append(User(username=f"u{i:07d}", password=password_hash))
            members.append(Member(name=f"党员{i}", organization=branches[i % 200], phone=f"13{i:09d}",
                                  id_number_digest=digest, account_state=AccountState.ACTIVE))
        with transaction.atomic():
            User.objects.bulk_create(users, batch_size=2000)
            for user, member in zip(users, members, strict=True):
                member.user = user
            Member.objects.bulk_create(members, batch_size=2000)
    print(f"# {Member.objects.count()} members inserted in {time.perf_counter() - start:.1f} s")
    return list(Member.objects.filter(organization=branches[0]).values_list("pk", flat=True))


def issue(count: int) -> float:
    admin, _ = get_user_model().objects.get_or_create(username="bench-admin",
                                                      defaults={"is_superuser": True, "is_staff": True})
    members = Member.objects.filter(pk__in=Member.objects.order_by("pk").values_list("pk", flat=True)[:count])
    start = time.perf_counter()
    sheet = accounts.do_request_activation_sheet(admin, members=members, organization=None, description="bench")
    done = accounts.run_activation_sheet(sheet.pk)
    elapsed = time.perf_counter() - start
    assert done is not None and done.total == count and done.skipped == 0, (done and done.total, count)
    print(f"# issued {count} codes and wrote a {done.file.size // 1024} KiB sheet in {elapsed:.2f} s")
    return elapsed


def login_times(identifiers: dict[str, str], rounds: int) -> dict[str, float]:
    """Median wall time of a successful POST /accounts/login/ per kind of identifier (interleaved)."""
    times: dict[str, list[float]] = {kind: [] for kind in identifiers}
    for _ in range(rounds):
        for kind, identifier in identifiers.items():
            client = Client(HTTP_HOST="localhost")
            start = time.perf_counter()
            response = client.post("/accounts/login/", {"username": identifier, "password": PASSWORD})
            times[kind].append(time.perf_counter() - start)
            assert response.status_code == 302, (kind, response.status_code)
            cache.clear()
    return {kind: statistics.median(values) for kind, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--codes", type=int, default=10_000)
    parser.add_argument("--logins", type=int, default=15)
    args = parser.parse_args()
    if Member.objects.count() >= args.members:  # BENCH_VAR_DIR of an earlier run: reuse its members
        print(f"# reusing {Member.objects.count()} members")
    else:
        populate(args.members)
    elapsed = issue(args.codes)

    probe = Member.objects.select_related("user").order_by("-pk")[args.members // 2]
    i = int(probe.user.username[1:])
    identifiers = {"name": probe.user.username, "phone": probe.phone, "id": id_number(i)}
    get_user_model().objects.filter(pk=probe.user_id).update(password=make_password(PASSWORD))
    real = login_times(identifiers, args.logins)
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        get_user_model().objects.filter(pk=probe.user_id).update(password=make_password(PASSWORD))
        lookup = login_times(identifiers, args.logins * 4)
    print("# median login ms, configured hasher: " + ", ".join(f"{k} {v * 1000:.1f}" for k, v in real.items())
          + "; cheap hasher: " + ", ".join(f"{k} {v * 1000:.2f}" for k, v in lookup.items()))
    _django.metric("issue_codes_10k_s", elapsed * 10_000 / args.codes)
    _django.metric("login_by_phone_vs_name", real["name"] / real["phone"])
    _django.metric("login_by_id_vs_name", real["name"] / real["id"])
    _django.metric("login_lookup_phone_vs_name", lookup["name"] / lookup["phone"])
    _django.metric("login_lookup_id_vs_name", lookup["name"] / lookup["id"])
    _django.metric("accounts_members", Member.objects.count())


if __name__ == "__main__":
    main()
