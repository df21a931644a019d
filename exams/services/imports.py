"""Question files of every format the platform reads, by one entry point: spreadsheets (.xlsx, .xls, .ods,
.csv, through the one reader), Word (.docx), Moodle GIFT (.gift, .txt), Moodle XML (.xml) and the corpus's
JSON Lines (.jsonl). All or nothing: a file with any error writes nothing (and creates no bank)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from school.excel.workbook import ImportResult, RowError, SpreadsheetError

from ..models import QuestionBank, QuestionType
from .docx import parse_docx, write_docx
from .excel import parse_workbook
from .jsonl import record_to_data
from .moodle import ExportQuestion, Parsed, parse_gift, parse_xml, write_gift, write_xml
from .questions import QuestionFormatError, save_questions

SPREADSHEETS = (".xlsx", ".xls", ".ods", ".csv")
QUESTION_SUFFIXES = (*SPREADSHEETS, ".docx", ".gift", ".txt", ".xml", ".jsonl")
EXPORT_FORMATS = {"xlsx", "docx", "gift", "xml"}


def parse_question_file(name: str, data: bytes, *, skip_unsupported: bool = False) -> Parsed:
    """The questions of a file (by its name's suffix), with every error; nothing is written."""
    suffix = Path(name).suffix.lower()
    parsed = Parsed()
    if suffix in SPREADSHEETS:
        import io

        try:
            parsed.items, parsed.errors = parse_workbook(io.BytesIO(data))
        except SpreadsheetError as exc:
            parsed.errors = [RowError(0, "", str(exc))]
        return parsed
    if suffix == ".docx":
        parsed.items, parsed.errors = parse_docx(data)
        return parsed
    if suffix in (".gift", ".txt", ".jsonl"):
        text = _text(data, parsed)
        if text is None:
            return parsed
        if suffix == ".jsonl":
            return _parse_jsonl(text)
        return parse_gift(text, skip_unsupported=skip_unsupported)
    if suffix == ".xml":
        return parse_xml(data, skip_unsupported=skip_unsupported)
    parsed.errors.append(RowError(0, "", _("Unsupported file type “%(suffix)s”; use %(kinds)s.")
                                  % {"suffix": suffix or name, "kinds": "、".join(QUESTION_SUFFIXES)}))
    return parsed


def _text(data: bytes, parsed: Parsed) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    parsed.errors.append(RowError(0, "", _("The file is not UTF-8 or GBK text.")))
    return None


def _parse_jsonl(text: str) -> Parsed:
    parsed = Parsed()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            parsed.items.append(record_to_data(json.loads(line)))
        except (ValueError, QuestionFormatError, TypeError, AttributeError) as exc:
            parsed.errors.append(RowError(number, "", str(exc)))
    return parsed


def do_import_question_file(name: str, data: bytes, *, bank: QuestionBank | None = None, bank_name: str = "",
                            owner: Any = None, skip_unsupported: bool = False) -> ImportResult:
    """Import every question of the file into ``bank`` (or a bank named ``bank_name``, created for
    ``owner`` only when the import succeeds). Any error: nothing is written."""
    parsed = parse_question_file(name, data, skip_unsupported=skip_unsupported)
    result = ImportResult(errors=list(parsed.errors))
    if not parsed.items and not result.errors:
        result.errors.append(RowError(0, "", _("The file has no questions.")))
    if result.errors:
        return result
    with transaction.atomic():
        if bank is None:
            bank = QuestionBank.objects.filter(name=bank_name).first() or QuestionBank.objects.create(
                name=bank_name, owner=owner)
        counts = save_questions(bank, parsed.items)
    result.created, result.updated, result.unchanged = counts["created"], counts["updated"], counts["unchanged"]
    result.ids.append(bank.pk)
    return result


def export_questions(bank: QuestionBank) -> list[ExportQuestion]:
    return [
        (q.qtype, q.stem, list(q.options), q.answer, q.difficulty, sorted(t.name for t in q.tags.all()), q.source,
         q.explanation)
        for q in bank.questions.filter(is_active=True).prefetch_related("tags").order_by("id")
    ]


def export_bank(bank: QuestionBank, fmt: str) -> tuple[bytes, str, str]:
    """``(content, file name, content type)`` of the bank in ``fmt`` (xlsx, docx, gift or xml)."""
    from .excel import export_workbook

    if fmt == "docx":
        return (write_docx(export_questions(bank), bank.name), f"{bank.name}.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    if fmt == "gift":
        return write_gift(export_questions(bank), bank.name).encode("utf-8"), f"{bank.name}.gift", \
            "text/plain; charset=utf-8"
    if fmt == "xml":
        return write_xml(export_questions(bank), bank.name), f"{bank.name}.xml", "application/xml"
    return (export_workbook(bank), f"{bank.name}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def preview(parsed: Parsed, limit: int = 10) -> list[dict[str, Any]]:
    from .questions import TYPE_LABELS, format_answer

    return [{"qtype": TYPE_LABELS[QuestionType(item.qtype)], "stem": item.stem, "options": item.options,
             "answer": format_answer(item.qtype, item.answer), "tags": "、".join(item.tags)}
            for item in parsed.items[:limit]]
