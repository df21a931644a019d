"""Excel template, import (row errors, all or nothing, idempotent by content hash) and export.

Round trip: exporting a bank and importing the file into an empty bank gives the same questions."""

from __future__ import annotations

from typing import IO, Any

from django.utils.translation import gettext as _

from school.excel.workbook import Column, ImportResult, RowError, SpreadsheetError, build_workbook, cell_text, read_rows

from ..models import QuestionBank, QuestionType
from .questions import (
    MAX_OPTIONS,
    TYPE_LABELS,
    QuestionData,
    QuestionFormatError,
    build_question_data,
    format_answer,
    save_questions,
)

OPTION_KEYS = [f"option_{chr(65 + i)}" for i in range(MAX_OPTIONS)]
COLUMNS = [
    Column("qtype", "题型", required=True, width=10),
    Column("stem", "题干", required=True, width=50),
    *[Column(key, f"选项{key[-1]}", width=18) for key in OPTION_KEYS],
    Column("answer", "答案", required=True, width=16),
    Column("difficulty", "难度", width=8),
    Column("tags", "知识点标签", width=20),
    Column("source", "来源", width=20),
    Column("explanation", "解析", width=40),
]
MAX_ROWS = 20_000

TEMPLATE_ROWS = [
    ["单选题", "党的最高理想和最终目标是（ ）。", "实现共产主义", "全面建成小康社会", "实现现代化", "", "", "", "", "",
     "A", 2, "党章、理想信念", "中国共产党章程", "党章总纲。"],
    ["多选题", "“四个意识”包括（ ）。", "政治意识", "大局意识", "核心意识", "看齐意识", "", "", "", "",
     "ABCD", 3, "政治建设", "", ""],
    ["判断题", "预备党员的预备期为一年。", "正确", "错误", "", "", "", "", "", "", "正确", 1, "党章", "", ""],
    ["填空题", "党的根本宗旨是____。", "", "", "", "", "", "", "", "", "全心全意为人民服务|为人民服务", 2, "党章", "",
     "多个可接受答案用 | 分隔，多个空用 ； 分隔。"],
]


def template_bytes() -> bytes:
    return build_workbook("题库导入模板", COLUMNS, TEMPLATE_ROWS)


def parse_workbook(source: IO[bytes] | str) -> tuple[list[QuestionData], list[RowError]]:
    items: list[QuestionData] = []
    errors: list[RowError] = []
    for number, row in read_rows(source, COLUMNS, max_rows=MAX_ROWS):
        try:
            items.append(build_question_data(
                cell_text(row.get("qtype")), cell_text(row.get("stem")),
                [cell_text(row.get(k)) for k in OPTION_KEYS], cell_text(row.get("answer")),
                cell_text(row.get("difficulty")), cell_text(row.get("tags")), cell_text(row.get("source")),
                cell_text(row.get("explanation")),
            ))
        except QuestionFormatError as exc:
            errors.append(RowError(number, "", str(exc)))
    return items, errors


def import_workbook(bank: QuestionBank, source: IO[bytes] | str) -> ImportResult:
    """All or nothing: any row error means nothing is written."""
    result = ImportResult()
    try:
        items, errors = parse_workbook(source)
    except SpreadsheetError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    if not items and not errors:
        result.errors.append(RowError(0, "", _("The file has no questions.")))
    if errors or result.errors:
        result.errors.extend(errors)
        return result
    counts = save_questions(bank, items)
    result.created, result.updated, result.unchanged = counts["created"], counts["updated"], counts["unchanged"]
    return result


def export_rows(bank: QuestionBank) -> list[list[Any]]:
    rows = []
    for q in bank.questions.filter(is_active=True).prefetch_related("tags").order_by("id"):
        options = list(q.options) + [""] * (MAX_OPTIONS - len(q.options))
        rows.append([TYPE_LABELS[QuestionType(q.qtype)], q.stem, *options, format_answer(q.qtype, q.answer), q.difficulty,
                     "、".join(sorted(t.name for t in q.tags.all())), q.source, q.explanation])
    return rows


def export_workbook(bank: QuestionBank) -> bytes:
    return build_workbook(bank.name, COLUMNS, export_rows(bank))
