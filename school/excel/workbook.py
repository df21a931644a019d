"""The project's one spreadsheet module: every .xlsx the project writes or reads goes through here
(openpyxl is imported nowhere else). Writing: ``build_workbook`` / ``build_sheets`` (bold header,
column widths, frozen header row). Reading: ``read_rows`` (columns mapped by their Chinese headers)
and ``read_records`` (rows as ``{header: value}``). One ``RowError`` and one ``ImportResult`` for
every importer of every app.

Formula injection (OWASP "CSV injection"): a text cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is a formula to Excel and LibreOffice (``=HYPERLINK(...)`` in a member's
name, opened by the administrator who exported full ID numbers). Every text cell written here goes
through ``neutralise``: such text gets a leading single quote (``'=1+2``), which spreadsheet programs
show as text and never evaluate. The scheme is reversible: text that already starts with quotes
followed by one of those characters (``'=1``) gets one more quote, so every reader here strips exactly
one leading quote from ``'…`` followed by quotes and a formula character (``restore``), and an
exported file re-imports unchanged. Numbers, dates and other non-text values are written as they are."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_STARTS = "[" + "".join(re.escape(c) for c in FORMULA_STARTS) + "]"
_NEUTRALISED = re.compile("^'+" + _STARTS)
_DANGEROUS = re.compile("^'*" + _STARTS)


def neutralise(value: Any) -> Any:
    """The value to write: text that a spreadsheet would evaluate (or text that looks neutralised
    already) gets one leading single quote; everything else is unchanged."""
    if isinstance(value, str) and _DANGEROUS.match(value):
        return "'" + value
    return value


def restore(value: Any) -> Any:
    """The inverse of ``neutralise``, for every value read from a workbook."""
    if isinstance(value, str) and _NEUTRALISED.match(value):
        return value[1:]
    return value


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Chinese header: files move between organizations, whatever the UI language
    required: bool = False
    width: int = 14


@dataclass(frozen=True)
class Sheet:
    title: str  # at most 31 characters (Excel's limit); longer titles are cut
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]


@dataclass(frozen=True)
class RowError:
    row: int  # as the file shows it: spreadsheet row or 1-based line; 0 = the file as a whole
    column: str  # column header or field name; "" = the whole row
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)  # primary keys written or found, in file order (if the importer keeps them)
    # Each created member's login: row, name, username, and "phone"/"generated" when 登录名 was blank.
    created_logins: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (not a workbook, wrong headers, too many rows)."""


def build_workbook(title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> bytes:
    return build_sheets([Sheet(title, columns, rows)])


def build_sheets(sheets: Sequence[Sheet]) -> bytes:
    """One worksheet per ``Sheet``: bold header (required columns shaded), widths, frozen header row."""
    wb = Workbook()
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FDE9D9")
    for number, sheet in enumerate(sheets):
        ws = wb.active if number == 0 else wb.create_sheet()
        assert ws is not None
        ws.title = sheet_title(sheet.title)
        ws.append([neutralise(c.header) for c in sheet.columns])
        for index, column in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=1, column=index)
            cell.font = bold
            if column.required:
                cell.fill = required_fill
            ws.column_dimensions[get_column_letter(index)].width = column.width
        ws.freeze_panes = "A2"
        for row in sheet.rows:
            ws.append([neutralise(value) for value in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def sheet_title(title: str) -> str:
    """A title Excel accepts: none of ``\\ / * ? : [ ]`` (an organization or exam named with a URL),
    no quote at either end, at most 31 characters."""
    return _SHEET_TITLE_FORBIDDEN.sub("-", title)[:31].strip("'") or "Sheet"


def _open(source: IO[bytes] | str | Path) -> Any:
    try:
        return load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise SpreadsheetError(_("The file is not an Excel workbook (.xlsx).")) from None


def _blank(values: Sequence[Any] | None) -> bool:
    return values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def read_records(source: IO[bytes] | str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(row_number, {header: value})`` for each non-empty data row of the first sheet (for files
    whose headers are field names; empty headers are skipped)."""
    wb = _open(source)
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = [cell_text(restore(h)) for h in next(rows, ())]
        for number, values in enumerate(rows, start=2):
            if _blank(values):
                continue
            yield number, {name: restore(value) for name, value in zip(header, values, strict=False) if name}
    finally:
        wb.close()


def read_rows(
    source: IO[bytes] | str, columns: Sequence[Column], *, max_rows: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(row_number, {key: value})`` for each non-empty data row (row numbers as Excel shows)."""
    wb = _open(source)
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise SpreadsheetError(_("The workbook is empty."))
        positions = _header_positions(header, columns)
        count = 0
        for number, values in enumerate(rows, start=2):
            if _blank(values):
                continue
            count += 1
            if count > max_rows:
                raise SpreadsheetError(_("The file has more than %(max)d rows.") % {"max": max_rows})
            yield number, {
                key: (restore(values[pos]) if pos < len(values) else None) for key, pos in positions.items()
            }
    finally:
        wb.close()


def _header_positions(header: Sequence[Any], columns: Sequence[Column]) -> dict[str, int]:
    found = {str(restore(h)).strip().rstrip("*"): i for i, h in enumerate(header) if h is not None}
    missing = [c.header for c in columns if c.required and c.header not in found]
    if missing:
        raise SpreadsheetError(
            _("Required columns are missing: %(columns)s. Download the template to see the expected headers.")
            % {"columns": "、".join(missing)}
        )
    return {c.key: found[c.header] for c in columns if c.header in found}


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def cell_date(value: Any) -> dt.date | None:
    """Parse a date cell. Returns None for empty; raises ValueError for anything unreadable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE_RE.match(cell_text(value))
    if not match:
        raise ValueError(value)
    return dt.date(int(match[1]), int(match[2]), int(match[3]))
