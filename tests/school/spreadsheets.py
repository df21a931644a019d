"""Builds member and organization workbooks for the import tests (not a test module)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook, load_workbook

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
