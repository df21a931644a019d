"""Import of the JSON Lines question format of ``shared/corpus/questions.jsonl``.

Quirks handled: XXQG options were sorted alphabetically by the source and the answer letter refers to
that order (kept as is, checked against ``answer_text`` when present); maogai fill-in stems write each
blank as its answer number ("教育、1、人才"), replaced by "____".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from school.excel.workbook import ImportResult, RowError

from ..models import QuestionBank, QuestionType
from .grading import LETTERS
from .questions import QuestionData, QuestionFormatError, build_question_data, format_answer, save_questions

BLANK = "____"
# Knowledge tags guessed from the stem, so demo blueprints can ask for tags.
AUTO_TAGS = [
    ("党章", ("党章", "章程")), ("纪律", ("纪律", "处分", "廉洁")), ("宪法法律", ("宪法", "法律", "法治")),
    ("党史", ("长征", "遵义", "一大", "建党", "革命")), ("理论", ("马克思", "思想", "理论")),
    ("民生", ("民生", "就业", "教育", "医疗")), ("生态", ("生态", "环境", "绿色")),
]


def auto_tags(stem: str) -> str:
    return "、".join(name for name, words in AUTO_TAGS if any(w in stem for w in words))


def _replace_blank_numbers(stem: str, blanks: int) -> str:
    for n in range(1, blanks + 1):
        stem, count = re.subn(rf"(?<![0-9０-９]){n}(?![0-9０-９])", BLANK, stem, count=1)
        if not count:
            stem += BLANK if BLANK not in stem else ""
    return stem


def record_to_data(record: dict[str, Any], tag: bool = True) -> QuestionData:
    qtype = record.get("type")
    if qtype not in QuestionType.values:
        raise QuestionFormatError(f"unknown type {qtype!r}")
    stem = str(record.get("stem") or "")
    options = [str(o) for o in record.get("options") or []]
    answer = record.get("answer")
    if qtype == QuestionType.FILL:
        blanks = [answer] if isinstance(answer, str) else list(answer or [])
        stem = _replace_blank_numbers(stem, len(blanks))
        answer_text = format_answer(qtype, [[str(b)] for b in blanks])
    else:
        answer_text = str(answer or "")
        expected = record.get("answer_text")
        if expected and qtype == QuestionType.SINGLE and len(answer_text) == 1 and answer_text in LETTERS:
            index = LETTERS.index(answer_text)
            if index >= len(options) or options[index].strip() != str(expected).strip():
                raise QuestionFormatError(f"answer {answer_text} does not match answer_text {expected!r}")
    source = str(record.get("source") or "")
    if record.get("source_id") is not None:
        source = f"{source}#{record['source_id']}"
    return build_question_data(qtype, stem, options, answer_text, 3, auto_tags(stem) if tag else "", source,
                               str(record.get("explanation") or ""))


def import_jsonl(bank: QuestionBank, lines: Iterable[str]) -> ImportResult:
    result = ImportResult()
    items: list[QuestionData] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            items.append(record_to_data(json.loads(line)))
        except (ValueError, QuestionFormatError, TypeError, AttributeError) as exc:
            result.errors.append(RowError(number, "", str(exc)))
    if result.errors:
        return result
    counts = save_questions(bank, items)
    result.created, result.updated, result.unchanged = counts["created"], counts["updated"], counts["unchanged"]
    return result
