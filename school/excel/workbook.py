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

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

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
    aliases: tuple[str, ...] = ()  # other names this column has in offices' files
    # How cells are typed on export: "" = as given (dates get a Chinese date format); "text" = always text
    # (ID and phone numbers, codes); "rate" = a 0.0% number; "score" = a 0.00 number; "auto" = what a
    # screen shows read back into numbers and dates ("85.3%", "12.50", "2026-01-01 08:30").
    kind: str = ""


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


DATE_FORMAT = 'yyyy"年"m"月"d"日"'
DATETIME_FORMAT = 'yyyy"年"m"月"d"日" hh:mm'
RATE_FORMAT = "0.0%"
SCORE_FORMAT = "0.00"
_RATE_TEXT = re.compile(r"^-?\d+(?:\.\d+)?%$")
_SCORE_TEXT = re.compile(r"^-?\d+\.\d{2}$")
_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?$")


def typed_cell(value: Any, kind: str = "") -> tuple[Any, str | None]:
    """``(value to write, number format or None)`` for a value of a column of ``kind``."""
    if value is None:
        return None, None
    if kind == "text":
        return neutralise(cell_text(value) if isinstance(value, float) else str(value)), "@"
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, str) and kind in ("auto", "rate", "score"):
        text = value.strip()
        if _RATE_TEXT.match(text):
            return float(text[:-1]) / 100, RATE_FORMAT
        if _SCORE_TEXT.match(text):
            return float(text), SCORE_FORMAT
        if kind == "auto" and _DATE_TEXT.match(text):
            return dt.date.fromisoformat(text), DATE_FORMAT
        if kind == "auto" and _DATETIME_TEXT.match(text):
            return dt.datetime.fromisoformat(text), DATETIME_FORMAT
        return neutralise(value), None
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        return value, DATETIME_FORMAT
    if isinstance(value, dt.date):
        return value, DATE_FORMAT
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if kind == "rate":
            return value, RATE_FORMAT
        if kind == "score" or (kind == "auto" and isinstance(value, float)):
            return value, SCORE_FORMAT
        return value, None
    return neutralise(value), None


def build_sheets(sheets: Sequence[Sheet]) -> bytes:
    """One worksheet per ``Sheet``: bold header (required columns shaded), widths, frozen header row,
    an autofilter over the table, and typed cells (``Column.kind``): numbers as numbers, rates 0.0%,
    scores 0.00, dates as date cells with a Chinese format, ID and phone numbers as text."""
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
        kinds = [c.kind for c in sheet.columns]
        width = len(kinds)
        row_number = 1
        for row in sheet.rows:
            row_number += 1
            values: list[Any] = []
            formats: list[tuple[int, str]] = []
            for index, value in enumerate(row):
                written, number_format = typed_cell(value, kinds[index] if index < width else "")
                values.append(written)
                if number_format:
                    formats.append((index + 1, number_format))
            ws.append(values)
            for index, number_format in formats:
                ws.cell(row=row_number, column=index).number_format = number_format
        if sheet.columns:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{row_number}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def sheet_title(title: str) -> str:
    """A title Excel accepts: none of ``\\ / * ? : [ ]`` (an organization or exam named with a URL),
    no quote at either end, at most 31 characters."""
    return _SHEET_TITLE_FORBIDDEN.sub("-", title)[:31].strip("'") or "Sheet"


SPREADSHEET_SUFFIXES = (".xlsx", ".xls", ".ods", ".csv")
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (BIFF in an OLE2 compound file)
_HEADER_SEARCH_ROWS = 30
_FOOTER = re.compile(r"^(合计|总计|小计|备注|说明|注)\s*[:：]?")


def looks_like_spreadsheet(name: str, head: bytes) -> bool:
    """Whether a file's name and first bytes agree on a kind ``load_table`` reads (for upload forms, so a
    renamed web page or picture is refused at once)."""
    suffix = Path(name or "").suffix.lower()
    if suffix in (".xlsx", ".ods"):
        return head.startswith(_ZIP)
    if suffix == ".xls":
        return head.startswith(_OLE2)
    if suffix == ".csv":
        return b"\x00" not in head and not head.startswith((_ZIP, _OLE2))
    return False


def _content(source: IO[bytes] | str | Path) -> bytes:
    if isinstance(source, (str, Path)):
        try:
            return Path(source).read_bytes()
        except OSError:
            raise SpreadsheetError(_("The file cannot be read.")) from None
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read()
    return data if isinstance(data, bytes) else str(data).encode("utf-8")


def load_table(source: IO[bytes] | str | Path) -> list[list[Any]]:
    """Every row of the first sheet of an .xlsx, .xls, .ods (python-calamine) or .csv file (UTF-8, UTF-8
    with BOM, GBK/GB18030; delimiter sniffed), as lists of values ("" for empty cells). The format is
    recognised from the content, not the name. Raises ``SpreadsheetError`` for anything else."""
    data = _content(source)
    if not data.strip():
        raise SpreadsheetError(_("The file is empty."))
    if data.startswith((_ZIP, _OLE2)):
        return _load_spreadsheet(data)
    return _load_csv(data)


def _load_spreadsheet(data: bytes) -> list[list[Any]]:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            if not book.sheet_names:
                raise SpreadsheetError(_("The workbook is empty."))
            return [list(row) for row in book.get_sheet_by_index(0).to_python(skip_empty_area=False)]
        finally:
            book.close()
    except SpreadsheetError:
        raise
    except Exception:  # python-calamine raises its own errors (and panics) for damaged or encrypted files
        raise SpreadsheetError(
            _("The file is not a spreadsheet that can be read (.xlsx, .xls, .ods or .csv), or it is damaged.")
        ) from None


_CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 is a superset of GBK and GB2312


def _load_csv(data: bytes) -> list[list[Any]]:
    if b"\x00" in data[:4096]:
        raise SpreadsheetError(
            _("The file is not a spreadsheet that can be read (.xlsx, .xls, .ods or .csv), or it is damaged.")
        )
    for encoding in _CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError(_("The CSV file is neither UTF-8 nor GBK/GB18030 text."))
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|，")
    except csv.Error:
        dialect = csv.excel
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error as exc:
        raise SpreadsheetError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from None


def _blank(values: Sequence[Any] | None) -> bool:
    return values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _footer(values: Sequence[Any]) -> bool:
    first = next((cell_text(v) for v in values if cell_text(v)), "")
    return bool(_FOOTER.match(first))


def _data_rows(table: list[list[Any]], header_index: int) -> Iterator[tuple[int, list[Any]]]:
    """Rows below the header as ``(number as the spreadsheet shows it, values)``, without empty rows
    and without the 合计/备注 rows at the end."""
    end = len(table)
    while end > header_index + 1 and (_blank(table[end - 1]) or _footer(table[end - 1])):
        end -= 1
    for index in range(header_index + 1, end):
        values = table[index]
        if not _blank(values):
            yield index + 1, values


def header_key(text: Any) -> str:
    """A header as compared: full-width folded to half-width (NFKC), spaces and the "required" marks
    (``*``, ``（必填）``) removed."""
    name = unicodedata.normalize("NFKC", cell_text(restore(text)))
    name = re.sub(r"\s+", "", name).replace("(必填)", "").replace("*", "")
    return name


# The names offices give the template's columns (compared by ``header_key``).
HEADER_VARIANTS: dict[str, tuple[str, ...]] = {
    "姓名": ("党员姓名", "名字"),
    "身份证号": ("身份证号码", "公民身份号码", "公民身份证号码", "身份证", "证件号码"),
    "手机号": ("手机", "手机号码", "联系电话", "电话", "联系方式", "移动电话"),
    "所在组织编码": ("组织编码", "党组织编码", "所在党组织编码", "所在支部编码", "支部编码"),
    "上级组织编码": ("上级编码", "上级党组织编码"),
    "政治面貌": ("人员类别", "党员类别"),
    "入党日期": ("入党时间", "加入党组织日期"),
    "职务": ("党内职务",),
    "登录名": ("用户名", "账号"),
    "组织名称": ("党组织名称", "名称"),
    "题型": ("题目类型", "类型"),
    "题干": ("题目", "试题内容", "题目内容"),
    "答案": ("正确答案", "参考答案", "标准答案"),
    "知识点标签": ("知识点", "标签"),
    "解析": ("答案解析", "试题解析"),
}


def _names(column: Column) -> set[str]:
    return {header_key(n) for n in (column.header, *column.aliases, *HEADER_VARIANTS.get(column.header, ()))}


def _match(values: Sequence[Any], columns: Sequence[Column]) -> dict[str, int]:
    keys = [header_key(v) for v in values]
    positions: dict[str, int] = {}
    for column in columns:
        names = _names(column)
        for index, key in enumerate(keys):
            if key in names:
                positions[column.key] = index
                break
    return positions


def find_header(table: list[list[Any]], columns: Sequence[Column]) -> tuple[int, dict[str, int]]:
    """The header row (title rows, merged cells and blank rows above it are skipped): the row among the
    first ones that names the most template columns. Raises when a required column is missing."""
    best_index, best = -1, dict[str, int]()
    for index, values in enumerate(table[:_HEADER_SEARCH_ROWS]):
        positions = _match(values, columns)
        if len(positions) > len(best):
            best_index, best = index, positions
    missing = [c.header for c in columns if c.required and c.key not in best]
    if best_index < 0 or missing:
        raise SpreadsheetError(
            _("Required columns are missing: %(columns)s. Download the template to see the expected headers.")
            % {"columns": "、".join(missing or [c.header for c in columns if c.required])}
        )
    return best_index, best


def read_records(source: IO[bytes] | str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(row_number, {header: value})`` for each non-empty data row of the first sheet (for files
    whose headers are field names: the first non-empty row; empty headers are skipped)."""
    table = load_table(source)
    header_index = next((i for i, values in enumerate(table) if not _blank(values)), None)
    if header_index is None:
        return
    header = [cell_text(restore(h)) for h in table[header_index]]
    for number, values in _data_rows(table, header_index):
        yield number, {name: _value(value) for name, value in zip(header, values, strict=False) if name}


def _value(value: Any) -> Any:
    if value == "":
        return None
    return restore(value)


def read_rows(
    source: IO[bytes] | str | Path, columns: Sequence[Column], *, max_rows: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(row_number, {key: value})`` for each data row (row numbers as the spreadsheet shows
    them), columns found by their Chinese headers or the variants offices use."""
    table = load_table(source)
    header_index, positions = find_header(table, columns)
    for count, (number, values) in enumerate(_data_rows(table, header_index), start=1):
        if count > max_rows:
            raise SpreadsheetError(_("The file has more than %(max)d rows.") % {"max": max_rows})
        yield number, {key: (_value(values[pos]) if pos < len(values) else None) for key, pos in positions.items()}


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year bug already counted in)


def cell_date(value: Any) -> dt.date | None:
    """Parse a date cell the ways offices type it: date cells, ``2010-07-01``, ``2010/7/1``,
    ``2010.07.01``, ``2010年7月1日``, ``20100701`` and Excel date numbers (``40360``). Returns None for
    empty; raises ValueError for anything unreadable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 10_000_000 <= value <= 99_991_231 and float(value).is_integer():
            return cell_date(str(int(value)))
        if 1 <= value < 2_958_466:  # up to 9999-12-31
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(value)
    text = unicodedata.normalize("NFKC", cell_text(value))
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if not match:
        raise ValueError(value)
    return dt.date(int(match[1]), int(match[2]), int(match[3]))


class IdentifierLost(ValueError):
    """An ID number that Excel stored as a number: digits past the 15th are gone."""


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


def cell_identifier(value: Any) -> str:
    """An ID number cell as text (``x`` -> ``X``, spaces and full-width digits folded). A number with more
    than 15 digits, or text like ``1.10101E+17``, has lost digits in Excel: ``IdentifierLost``."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if abs(value) >= 1e15:
            raise IdentifierLost(value)
        return cell_text(value)
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value))).upper()
    if _SCIENTIFIC.match(text):
        raise IdentifierLost(value)
    return text


def cell_phone(value: Any) -> str:
    """A phone number as offices type it: spaces, dashes, brackets and a ``+86``/``0086`` prefix removed."""
    text = re.sub(r"[\s\-()（）]+", "", unicodedata.normalize("NFKC", cell_text(value)))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix) and len(text) > len(prefix) + 7:
            text = text[len(prefix):]
    return text
