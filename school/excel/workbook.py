from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Chinese header: files move between organizations, whatever the UI language
    required: bool = False
    width: int = 14


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Each created member's login: row, name, username, and "phone"/"generated" when 登录名 was blank.
    created_logins: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (not a workbook, wrong headers, too many rows)."""


def build_workbook(title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> bytes:
    wb = Workbook(write_only=False)
    ws = wb.active
    assert ws is not None
    ws.title = title
    ws.append([c.header for c in columns])
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FDE9D9")
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def read_rows(
    source: IO[bytes] | str, columns: Sequence[Column], *, max_rows: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(row_number, {key: value})`` for each non-empty data row (row numbers as Excel shows)."""
    try:
        wb = load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise SpreadsheetError(_("The file is not an Excel workbook (.xlsx).")) from None
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise SpreadsheetError(_("The workbook is empty."))
        positions = _header_positions(header, columns)
        count = 0
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            count += 1
            if count > max_rows:
                raise SpreadsheetError(_("The file has more than %(max)d rows.") % {"max": max_rows})
            yield number, {
                key: (values[pos] if pos < len(values) else None) for key, pos in positions.items()
            }
    finally:
        wb.close()


def _header_positions(header: Sequence[Any], columns: Sequence[Column]) -> dict[str, int]:
    found = {str(h).strip().rstrip("*"): i for i, h in enumerate(header) if h is not None}
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
