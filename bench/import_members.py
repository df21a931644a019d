"""Member import at 10,000 rows: the all-or-nothing bulk import against creating the same members
one by one through the service function (the obvious implementation), on the same database.

    python bench/import_members.py [--rows 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import time
from collections.abc import Iterator

import _django

_django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from school import sensitive, services  # noqa: E402
from school.excel import MEMBER_COLUMNS, import_members  # noqa: E402
from school.excel.workbook import build_workbook  # noqa: E402
from school.models import Member, Organization  # noqa: E402


def workbook(n: int, branches: list[str], rng: random.Random) -> bytes:
    def rows() -> Iterator[list[str]]:
        for i in range(n):
            birth = dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28)
            first17 = f"{310000 + i % 9000:06d}{birth:%Y%m%d}{i % 1000:03d}"
            yield [f"党员{i}", first17 + sensitive.id_number_check_digit(first17), rng.choice(branches), "正式党员",
                   rng.choice(["男", "女"]), "汉族", "大学本科", "2005-07-01", "", f"139{i:08d}", "在册", ""]

    return build_workbook("党员信息", MEMBER_COLUMNS, rows())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--baseline-rows", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(7)
    root = services.create_organization(parent=None, name="基准区委", code="BENCH", kind="committee")
    branches = [services.create_organization(parent=root, name=f"支部{i}", code=f"BENCH{i:03d}", kind="branch").code
                for i in range(100)]
    admin = get_user_model()(username="bench", is_superuser=True, is_active=True)
    content = workbook(args.rows, branches, rng)

    start = time.perf_counter()
    result = import_members(io.BytesIO(content), user=admin)
    first = time.perf_counter() - start
    assert result.ok and result.created == args.rows, result.errors[:5]
    start = time.perf_counter()
    again = import_members(io.BytesIO(content), user=admin)
    second = time.perf_counter() - start
    assert again.unchanged == args.rows

    org = Organization.objects.get(code=branches[0])
    start = time.perf_counter()
    for i in range(args.baseline_rows):
        first17 = f"320000{dt.date(1980, 1, 1):%Y%m%d}{i:03d}"
        services.create_member(username=f"loop{i}", name=f"逐行{i}", organization=org,
                               id_number=first17 + sensitive.id_number_check_digit(first17))
    loop_per_row = (time.perf_counter() - start) / args.baseline_rows
    print(f"# {args.rows} rows: import {first:.2f} s, re-import (no change) {second:.2f} s; "
          f"row-by-row {loop_per_row * 1000:.2f} ms/row; members now {Member.objects.count()}")
    _django.metric("import_rows", args.rows)
    _django.metric("import_10k_s", first * 10_000 / args.rows)
    _django.metric("reimport_unchanged_10k_s", second * 10_000 / args.rows)
    _django.metric("import_rows_per_s", args.rows / first)
    _django.metric("bulk_vs_row_by_row_speedup", loop_per_row * args.rows / first)


if __name__ == "__main__":
    main()
