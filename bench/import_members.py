"""Member import at 10,000 rows: the all-or-nothing bulk import against creating the same members
one by one through the service function (the obvious implementation), on the same database; then the
same import from a legacy .xls and a GBK CSV, 100,000 rows from .xlsx, the one reader (python-calamine)
against openpyxl's read-only mode on the same file, and a 2,000-question Word question bank.

    python bench/import_members.py [--rows 10000] [--big-rows 100000] [--docx-questions 2000]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import time
from collections.abc import Iterator

import _django

os.environ.setdefault("MEMBER_IMPORT_MAX_ROWS", "200000")  # the 100,000-row import
_django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from exams.services.docx import write_docx  # noqa: E402
from exams.services.moodle import ExportQuestion  # noqa: E402
from school import sensitive, services  # noqa: E402
from school.excel import MEMBER_COLUMNS, import_members  # noqa: E402
from school.excel.workbook import build_workbook, read_rows  # noqa: E402
from school.models import Member, Organization  # noqa: E402


def member_rows(n: int, branches: list[str], rng: random.Random, region: int = 310000) -> Iterator[list[str]]:
    for i in range(n):
        birth = dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28)
        first17 = f"{region + i % 9000:06d}{birth:%Y%m%d}{(i // 9000) % 1000:03d}"  # unique below 9,000,000 rows
        yield [f"党员{i}", first17 + sensitive.id_number_check_digit(first17), rng.choice(branches), "正式党员",
               rng.choice(["男", "女"]), "汉族", "大学本科", "2005-07-01", "", f"13{region // 10000}{i:08d}"[:11],
               "在册", f"u{region}-{i}"]


def workbook(n: int, branches: list[str], rng: random.Random, region: int = 310000) -> bytes:
    return build_workbook("党员信息", MEMBER_COLUMNS, member_rows(n, branches, rng, region))


def xls(n: int, branches: list[str], rng: random.Random, region: int) -> bytes:
    """A legacy .xls roster (xlwt, BIFF8) with a merged title row, as WPS and old Excel save them."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("花名册")
    sheet.write_merge(0, 0, 0, len(MEMBER_COLUMNS) - 1, "XX党委党员花名册")
    for c, column in enumerate(MEMBER_COLUMNS):
        sheet.write(1, c, column.header)
    for r, row in enumerate(member_rows(n, branches, rng, region), start=2):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def gbk_csv(n: int, branches: list[str], rng: random.Random, region: int) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["XX党委党员花名册"])
    writer.writerow([c.header for c in MEMBER_COLUMNS])
    writer.writerows(member_rows(n, branches, rng, region))
    return text.getvalue().encode("gbk")


def timed_import(content: bytes, admin: object, expected: int) -> float:
    start = time.perf_counter()
    result = import_members(io.BytesIO(content), user=admin)
    elapsed = time.perf_counter() - start
    assert result.ok and result.created == expected, result.errors[:5]
    return elapsed


def reader_vs_openpyxl(content: bytes) -> tuple[float, float]:
    from openpyxl import load_workbook

    def with_openpyxl() -> None:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        for _row in wb.worksheets[0].iter_rows(values_only=True):
            pass
        wb.close()

    ours = _django.best_of(3, lambda: list(read_rows(io.BytesIO(content), MEMBER_COLUMNS, max_rows=10**6)))
    theirs = _django.best_of(3, with_openpyxl)
    return ours, theirs


def docx_bank(n: int) -> bytes:
    questions: list[ExportQuestion] = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            questions.append(("single", f"第{i}题：党的最高理想是（ ）。", ["共产主义", "小康", "现代化", "复兴"], [0], 3,
                              ["党章"], "", "党章总纲。"))
        elif kind == 1:
            questions.append(("multiple", f"第{i}题：“四个意识”包括（ ）。", ["政治", "大局", "核心", "看齐"], [0, 1, 2, 3],
                              2, ["政治建设"], "", ""))
        elif kind == 2:
            questions.append(("judge", f"第{i}题：预备期为一年。", ["正确", "错误"], [0], 1, [], "", ""))
        else:
            questions.append(("fill", f"第{i}题：党的根本宗旨是____。", [], [["全心全意为人民服务"]], 2, [], "", ""))
    return write_docx(questions, "基准题库")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--baseline-rows", type=int, default=500)
    parser.add_argument("--big-rows", type=int, default=100_000, help="the large .xlsx import (0 = skip)")
    parser.add_argument("--docx-questions", type=int, default=2000)
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

    ours, theirs = reader_vs_openpyxl(content)
    print(f"# reading {args.rows} rows: python-calamine reader {ours:.3f} s, openpyxl read-only {theirs:.3f} s")
    _django.metric("reader_vs_openpyxl", theirs / ours)

    xls_s = timed_import(xls(args.rows, branches, rng, 320000), admin, args.rows)
    _django.metric("import_10k_xls_s", xls_s * 10_000 / args.rows)
    csv_s = timed_import(gbk_csv(args.rows, branches, rng, 330000), admin, args.rows)
    _django.metric("import_10k_gbk_csv_s", csv_s * 10_000 / args.rows)

    if args.big_rows:
        big = workbook(args.big_rows, branches, rng, 340000)
        big_s = timed_import(big, admin, args.big_rows)
        print(f"# {args.big_rows} rows from .xlsx: {big_s:.1f} s")
        _django.metric("import_100k_s", big_s * 100_000 / args.big_rows)

    from exams.models import QuestionBank
    from exams.services.imports import do_import_question_file

    owner = get_user_model().objects.create(username="bench-trainer")
    document = docx_bank(args.docx_questions)
    start = time.perf_counter()
    imported = do_import_question_file("bank.docx", document, bank=QuestionBank.objects.create(name="基准", owner=owner))
    docx_s = time.perf_counter() - start
    assert imported.ok and imported.created == args.docx_questions, imported.errors[:5]
    print(f"# {args.docx_questions} questions from .docx ({len(document) // 1024} KiB): {docx_s:.2f} s")
    _django.metric("docx_2k_s", docx_s * 2000 / args.docx_questions)


if __name__ == "__main__":
    main()
