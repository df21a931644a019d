"""Builders for the school tests (not a test module): credit rules and synthetic verified sources, member and organization workbooks, imported members and activation codes. The personas are in tests/factories.py."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from openpyxl import Workbook, load_workbook

from school import services
from school.accounts import services as accounts
from school.credits import rules
from school.credits.models import Basis, CreditRule, CreditRuleVersion, Repeat
from school.models import ActivationSheet, Member, Organization
from tests.factories import id_number

# --- credit builders ---

START = dt.date(2026, 1, 1)


def make_rule(code: str, source_type: str, *, basis: str = Basis.FIXED, repeat: str = Repeat.ONCE,
              points: str = "1", factor: str = "0", bands: list[list[float]] | None = None,
              daily_cap: str | None = None, effective_from: dt.date = START) -> CreditRule:
    rule = CreditRule.objects.create(code=code, name=code, source_type=source_type, basis=basis, repeat=repeat)
    rules.save_rule_version(CreditRuleVersion(
        rule=rule, points=Decimal(points), factor=Decimal(factor), bands=bands or [],
        daily_cap=Decimal(daily_cap) if daily_cap is not None else None, effective_from=effective_from),
        allow_backdate=True)
    return rule


class FakeSources:
    """Synthetic sources: a set of (member_id, source_id) pairs that 'really happened'."""

    def __init__(self) -> None:
        self.done: set[tuple[str, int, int]] = set()
        self.quantities: dict[tuple[str, int, int], Decimal] = {}

    def complete(self, source_type: str, member_id: int, source_id: int, quantity: str | None = None) -> None:
        self.done.add((source_type, member_id, source_id))
        if quantity is not None:
            self.quantities[(source_type, member_id, source_id)] = Decimal(quantity)

    def source(self, source_type: str) -> rules.Source:
        return rules.Source(
            verify=lambda m, s: (source_type, m, s) in self.done,
            quantity=lambda m, s: self.quantities.get((source_type, m, s)))


@contextmanager
def fake_sources() -> Iterator[FakeSources]:
    fake = FakeSources()
    with rules.override_verifiers(**{t: fake.source(t) for t in
                                        ("lesson", "course", "exam", "practice", "document")}):
        yield fake


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    from django.utils import timezone

    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_current_timezone())


# --- spreadsheets ---

MEMBER_HEADERS = ["姓名", "身份证号", "所在组织编码", "政治面貌", "性别", "民族", "学历", "入党日期", "职务", "手机号", "状态", "登录名"]
ORG_HEADERS = ["组织编码", "组织名称", "组织类别", "上级组织编码", "联系人", "联系电话"]


def workbook(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "import.xlsx"
    return buffer


def read(content: bytes) -> list[list[Any]]:
    ws = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def titled_xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> io.BytesIO:
    """An .xlsx as offices make it: a merged title row and a blank row above the header."""
    wb = Workbook()
    ws = wb.active
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append([])
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def xls_bytes(rows: Sequence[Sequence[Any]], *, title: str = "") -> bytes:
    """A legacy .xls (BIFF8, what WPS and old Excel save), written with xlwt; a merged title row first
    when ``title``; dates as date cells."""
    import datetime as dt

    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("花名册")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    offset = 0
    if title:
        sheet.write_merge(0, 0, 0, max(len(r) for r in rows) - 1, title)
        offset = 1
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write(r + offset, c, value, date_style)
            elif value is not None:
                sheet.write(r + offset, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ods_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    """An OpenDocument spreadsheet (.ods, what LibreOffice and WPS can save), written with odfpy."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="花名册")
    for row in rows:
        tr = TableRow()
        for value in row:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=str(value)))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    doc.write(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    import csv

    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return text.getvalue().encode(encoding)


def shows_as(file_value: Any, screen_value: Any) -> bool:
    """Whether a typed export cell holds what the screen shows: "66.7%" as 0.667 (0.0%), "85.00" as 85.0
    (0.00), "2026-11-05 10:00" as a date cell; numbers and text as they are; None as ""."""
    import datetime as dt

    file_value = "" if file_value is None else file_value
    screen_value = "" if screen_value is None else screen_value
    if file_value == screen_value:
        return True
    if isinstance(file_value, dt.datetime) and isinstance(screen_value, str):
        return screen_value in (file_value.strftime("%Y-%m-%d %H:%M"), file_value.strftime("%Y-%m-%d %H:%M:%S"),
                                file_value.strftime("%Y-%m-%d"))
    if isinstance(file_value, (int, float)) and isinstance(screen_value, str):
        return screen_value in (f"{file_value * 100:.1f}%", f"{file_value:.2f}")
    return False


def assert_rows_show(file_rows: Sequence[Sequence[Any]], screen_rows: Sequence[Sequence[Any]]) -> None:
    assert len(file_rows) == len(screen_rows)
    for file_row, screen_row in zip(file_rows, screen_rows, strict=True):
        padded = list(file_row) + [None] * (len(screen_row) - len(file_row))
        assert all(shows_as(f, s) for f, s in zip(padded, screen_row, strict=True)), (file_row, screen_row)


# --- account builders ---

def imported_member(organization: Organization, username: str, name: str, **fields: Any) -> Member:
    """A member as the Excel import leaves them: no usable password, 未激活."""
    fields.setdefault("id_number", id_number())
    return services.create_member(username=username, name=name, organization=organization, **fields)


def issued_codes(admin: Any, members: list[Member]) -> dict[str, str]:
    """Issue codes for ``members`` as ``admin`` and run the worker's part; login name -> code."""
    sheet = accounts.do_request_activation_sheet(
        admin, members=Member.objects.filter(pk__in=[m.pk for m in members]), organization=None,
        description="test")
    accounts.run_activation_sheet(sheet.pk)
    sheet = ActivationSheet.objects.get(pk=sheet.pk)
    rows = sheet_rows(sheet)
    return {row["登录名"]: row["激活码"] for row in rows}


def sheet_rows(sheet: ActivationSheet) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    with sheet.file.open("rb") as fh:
        ws = load_workbook(fh, read_only=True).active
        assert ws is not None
        values = [[str(c) if c is not None else "" for c in row] for row in ws.iter_rows(values_only=True)]
    header = values[0]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


def user(username: str) -> Any:
    return get_user_model().objects.get(username=username)
