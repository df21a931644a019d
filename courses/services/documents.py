"""Bulk import of policy documents (fields of ``regulations.jsonl``), idempotent by title + version."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from school.excel.workbook import SPREADSHEET_SUFFIXES, ImportResult, RowError, read_records

from ..models import DocumentCategory, PolicyDocumentLibraryPage, PolicyDocumentPage, Validity
from .site import ensure_site_pages

FIELDS = ("title", "category", "issuer", "date", "effective_date", "body", "kind", "doc_number", "version_note",
          "history", "source", "validity",
          "successor")
_LAW_KINDS = {"国家法律", "法律", "行政法规", "法律法规"}
_VALIDITY_WORDS = {"现行有效": Validity.CURRENT, "已修订": Validity.REVISED, "已修改": Validity.REVISED,
                   "已废止": Validity.REPEALED, **{v: v for v in Validity.values}}
_YEAR_RE = re.compile(r"(1[89]\d\d|20\d\d)")


@dataclass
class _Row:
    line: int
    values: dict[str, Any]
    key: str
    successor: str = ""  # title of the document that replaces this one (its current version is linked)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date(value: Any, row: int, name: str, errors: list[RowError]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        errors.append(RowError(row, name, _("Not a date (use YYYY-MM-DD): %(value)s") % {"value": value}))
        return None


def category_of(category: str, kind: str) -> str | None:
    if category in DocumentCategory.values:
        return category
    if kind in _LAW_KINDS or category.endswith("法") or category in {"宪法", "民法典", "法律法规"}:
        return DocumentCategory.LAW
    return None


def _clean(raw: Mapping[str, Any], line: int, errors: list[RowError]) -> _Row | None:
    before = len(errors)
    title = _text(raw.get("title"))
    body = _text(raw.get("body"))
    if not title:
        errors.append(RowError(line, "title", _("The title is required.")))
    elif len(title) > 255:
        errors.append(RowError(line, "title", _("The title is longer than 255 characters.")))
    if not body:
        errors.append(RowError(line, "body", _("The full text is required.")))
    category = category_of(_text(raw.get("category")), _text(raw.get("kind")))
    if category is None:
        errors.append(RowError(line, "category", _("Unknown category: %(value)s") % {"value": raw.get("category")}))
    issue_date = _date(raw.get("date"), line, "date", errors)
    effective_date = _date(raw.get("effective_date"), line, "effective_date", errors)
    validity_raw = _text(raw.get("validity"))
    validity = _VALIDITY_WORDS.get(validity_raw) if validity_raw else Validity.CURRENT
    if validity is None:
        errors.append(RowError(line, "validity", _("Unknown validity: %(value)s") % {"value": validity_raw}))
    version = _text(raw.get("version_note"))[:50]
    doc_number = _text(raw.get("doc_number"))[:100]
    issuer = _text(raw.get("issuer"))[:200]
    if len(errors) > before:
        return None
    key_version = version or (issue_date.isoformat() if issue_date else "")
    values: dict[str, Any] = {
        "title": title, "body": body, "category": category, "issue_date": issue_date,
        "effective_date": effective_date, "version_label": version, "doc_number": doc_number,
        "issuer": issuer, "history": _text(raw.get("history")), "source": _text(raw.get("source"))[:255],
    }
    if validity_raw:  # otherwise: in force, or revised once a newer version is imported (relink_versions)
        values["validity"] = validity
    successor = _text(raw.get("successor"))[:255]
    if successor and not validity_raw:
        values["validity"] = Validity.REVISED if successor == title else Validity.REPEALED
    return _Row(line, values, f"{title}|{key_version}"[:255], successor)


def _version_year(page: PolicyDocumentPage) -> tuple[int, int]:
    if page.issue_date:
        return page.issue_date.year, page.pk
    match = _YEAR_RE.search(page.version_label)
    return (int(match.group(1)) if match else 0), page.pk


def relink_versions(titles: Iterable[str]) -> None:
    """Versions of one title: the newest stays as imported, each older one points to its successor."""
    for title in set(titles):
        versions = sorted(PolicyDocumentPage.objects.filter(title=title), key=_version_year)
        if len(versions) < 2:
            continue
        for older, newer in itertools.pairwise(versions):
            if older.successor_id != newer.pk or older.validity == Validity.CURRENT:
                PolicyDocumentPage.objects.filter(pk=older.pk).update(
                    successor=newer, validity=Validity.REVISED if older.validity == Validity.CURRENT else older.validity)


@transaction.atomic
def import_documents(rows: Iterable[Mapping[str, Any]], *, library: PolicyDocumentLibraryPage | None = None,
                     first_line: int = 1) -> ImportResult:
    """Validate every row, then import all of them or (when any row has an error) none."""
    result = ImportResult()
    cleaned: list[_Row] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(rows, start=first_line):
        if not isinstance(raw, Mapping):
            result.errors.append(RowError(line, "", _("The row is not an object.")))
            continue
        if "__error__" in raw:
            result.errors.append(RowError(line, "", str(raw["__error__"])))
            continue
        row = _clean(raw, line, result.errors)
        if row is None:
            continue
        if row.key in seen:  # the same document twice in one file: the later row wins
            cleaned[seen[row.key]] = row
            continue
        seen[row.key] = len(cleaned)
        cleaned.append(row)
    titles_in_file = {row.values["title"] for row in cleaned}
    for row in cleaned:
        if row.successor and row.successor not in titles_in_file \
                and not PolicyDocumentPage.objects.filter(title=row.successor).exists():
            result.errors.append(RowError(row.line, "successor", _("No document has the title %(title)s.")
                                          % {"title": row.successor}))
    if result.errors:
        return result
    library = library or ensure_site_pages().library
    existing = {p.import_key: p for p in PolicyDocumentPage.objects.filter(import_key__in=list(seen))}
    for row in cleaned:
        page = existing.get(row.key)
        if page is None:
            page = PolicyDocumentPage(import_key=row.key, live=True, has_unpublished_changes=False, **row.values)
            library.add_child(instance=page)
            result.created += 1
        elif any(getattr(page, name) != value for name, value in row.values.items()):
            for name, value in row.values.items():
                setattr(page, name, value)
            page.save()
            result.updated += 1
        else:
            result.unchanged += 1
        result.ids.append(page.pk)
    relink_versions(row.values["title"] for row in cleaned)
    _link_successors([row for row in cleaned if row.successor], result)
    return result


def _link_successors(rows: list[_Row], result: ImportResult) -> None:
    """Rows naming a ``successor``: link the current version of that title (已修订 / 已废止 as the row says)."""
    by_key = {p.import_key: p for p in PolicyDocumentPage.objects.filter(import_key__in=[r.key for r in rows])}
    for row in rows:
        page = by_key.get(row.key)
        versions = list(PolicyDocumentPage.objects.live().filter(title=row.successor))
        if page is None or not versions:
            continue
        newest = PolicyDocumentPage.current_versions(versions)[0]
        if newest.pk != page.pk:
            PolicyDocumentPage.objects.filter(pk=page.pk).update(successor=newest)


def read_rows(path: Path) -> Iterable[dict[str, Any]]:
    """Rows of a .jsonl file (one object a line) or a spreadsheet (.xlsx, .xls, .ods, .csv; header row with
    the field names) read by the one reader."""
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".json"}:
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    yield {"__error__": _("Line %(line)s is not JSON: %(error)s") % {"line": number, "error": exc}}
        return
    if suffix in SPREADSHEET_SUFFIXES:
        for _number, record in read_records(path):  # a SpreadsheetError is a ValueError
            yield record
        return
    raise ValueError(_("Unsupported file type: %(suffix)s (use .jsonl, .xlsx, .xls, .ods or .csv)") % {"suffix": suffix})
