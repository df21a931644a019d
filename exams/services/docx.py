"""Word (.docx) question banks in the layout Chinese question banks use, read and written with python-docx.

    一、单选题
    1. 党的最高理想和最终目标是（ ）。
    A. 实现共产主义    B. 全面建成小康社会
    C. 实现现代化
    答案：A
    解析：党章总纲。
    难度：2
    知识点：党章、理想信念

Section headings (一、单选题 / 二、多选题 / 三、判断题 / 四、填空题) give the type; without one the type
is read from the question (options and one letter: single choice; several letters: multiple; 正确/错误
without options: true/false; otherwise fill-in). Stems are numbered ``1.``, ``1、``, ``1．`` or ``（1）``;
options ``A.``/``A、``/``A．`` on their own lines or several in one line; answers ``答案：B``,
``【答案】B`` or ``正确答案：ABD``; blanks written ``（ ）`` or ``____``. Errors name the paragraph."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from school.excel.workbook import RowError

from ..models import QuestionType
from .grading import LETTERS
from .questions import TYPE_LABELS, QuestionData, QuestionFormatError, build_question_data, format_answer

_NUMERALS = "一二三四五六七八九十"
_SECTION = re.compile(
    rf"^[{_NUMERALS}]+\s*[、.．]\s*(单项选择题|单选题|多项选择题|多选题|判断题|填空题)"
)
_SECTION_TYPES = {"单项选择题": "单选题", "多项选择题": "多选题"}
_STEM = re.compile(r"^(?:(\d+)\s*[.、．]|[（(](\d+)[）)])\s*(.*)$")
_OPTION_START = re.compile(r"^([A-Ha-h])\s*[.、．:：)）]\s*")
_OPTION_SPLIT = re.compile(r"(?:^|\s+)([A-H])\s*[.、．:：)）]\s*")
_FIELDS = [
    ("answer", re.compile(r"^(?:【(?:正确|参考)?答案】|(?:正确|参考|标准)?答案\s*[:：])\s*(.*)$")),
    ("explanation", re.compile(r"^(?:【(?:答案)?解析】|(?:答案)?解析\s*[:：])\s*(.*)$")),
    ("difficulty", re.compile(r"^(?:【难度】|难度\s*[:：])\s*(.*)$")),
    ("tags", re.compile(r"^(?:【知识点】|知识点\s*[:：])\s*(.*)$")),
    ("source", re.compile(r"^(?:【来源】|来源\s*[:：])\s*(.*)$")),
]
_JUDGE_ANSWERS = {"正确", "错误", "对", "错", "√", "×", "是", "否"}


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class DocxError(ValueError):
    """The file as a whole is not a Word document that can be read."""


@dataclass
class _Draft:
    line: int
    qtype: str
    stem: list[str]
    options: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    last: str = "stem"

    def build(self) -> QuestionData:
        answer = self.fields.get("answer", "")
        qtype = self.qtype or _guess_type(self.options, answer)
        return build_question_data(
            qtype, "\n".join(self.stem), self.options, answer, self.fields.get("difficulty", ""),
            self.fields.get("tags", ""), self.fields.get("source", ""), self.fields.get("explanation", ""),
        )


def _guess_type(options: Sequence[str], answer: str) -> str:
    letters = re.sub(r"[\s,，、]", "", answer).upper()
    if not options and letters in _JUDGE_ANSWERS:
        return "判断题"
    if options and letters and all(c in LETTERS for c in letters):
        return "多选题" if len(letters) > 1 else "单选题"
    return "填空题"


def paragraphs(source: IO[bytes] | bytes) -> list[str]:
    """The text lines of a .docx: paragraphs (line breaks inside one split) and table cells, in order."""
    from docx import Document

    data = source if isinstance(source, bytes) else source.read()
    try:
        document = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocxError(_("The file is not a Word document (.docx).")) from exc
    except Exception as exc:  # python-docx raises its own errors (and lxml's) for damaged parts
        raise DocxError(_("The file is not a Word document (.docx).")) from exc
    lines: list[str] = []
    for paragraph in document.paragraphs:
        lines.extend(paragraph.text.replace("\r", "\n").split("\n"))
    return lines


def parse_lines(lines: Iterable[str]) -> tuple[list[QuestionData], list[RowError]]:
    """Questions from the text lines of a Word question bank; errors name the paragraph (1-based)."""
    items: list[QuestionData] = []
    errors: list[RowError] = []
    qtype = ""
    draft: _Draft | None = None

    def finish() -> None:
        nonlocal draft
        if draft is None:
            return
        try:
            items.append(draft.build())
        except QuestionFormatError as exc:
            errors.append(RowError(draft.line, "", str(exc)))
        draft = None

    for number, raw in enumerate(lines, start=1):
        line = raw.replace("\u3000", " ").strip()
        if not line:
            continue
        if section := _SECTION.match(line):
            finish()
            label = section[1]
            qtype = _SECTION_TYPES.get(label, label)
            continue
        if stem := _STEM.match(line):
            finish()
            draft = _Draft(number, qtype, [stem[3]])
            continue
        if draft is None:
            continue  # title lines and instructions above the first question
        field_match = next(((name, m) for name, pattern in _FIELDS if (m := pattern.match(line))), None)
        if field_match:
            name, match = field_match
            draft.fields[name] = match[1].strip()
            draft.last = name
        elif _OPTION_START.match(line) and not draft.fields:
            parts = _OPTION_SPLIT.split(line)
            draft.options.extend(text.strip() for text in parts[2::2])
            draft.last = "option"
        elif draft.last == "stem":
            draft.stem.append(line)
        elif draft.last == "option" and draft.options:
            draft.options[-1] += line
        elif draft.last == "explanation":
            draft.fields["explanation"] += "\n" + line
        else:
            errors.append(RowError(number, "", _("Paragraph %(line)d is not part of a question: “%(text)s”.")
                                   % {"line": number, "text": line[:40]}))
    finish()
    return items, errors


def parse_docx(source: IO[bytes] | bytes) -> tuple[list[QuestionData], list[RowError]]:
    try:
        lines = paragraphs(source)
    except DocxError as exc:
        return [], [RowError(0, "", str(exc))]
    return parse_lines(lines)


def write_docx(questions: Iterable[tuple[str, str, Sequence[str], Any, int, Sequence[str], str, str]],
               title: str) -> bytes:
    """A Word question bank in the layout ``parse_docx`` reads, one section per type.
    Each question: ``(qtype, stem, options, answer, difficulty, tags, source, explanation)``."""
    from docx import Document

    by_type: dict[str, list[tuple[Any, ...]]] = {str(t): [] for t in TYPE_LABELS}
    for question in questions:
        by_type.setdefault(question[0], []).append(question)
    document = Document()
    document.add_heading(title, level=1)
    section = 0
    for qtype, rows in by_type.items():
        if not rows:
            continue
        document.add_heading(f"{_NUMERALS[section]}、{TYPE_LABELS[QuestionType(qtype)]}", level=2)
        section += 1
        for number, (_qtype, stem, options, answer, difficulty, tags, source, explanation) in enumerate(rows, 1):
            stem_lines = stem.split("\n")
            document.add_paragraph(f"{number}. {stem_lines[0]}")
            for extra in stem_lines[1:]:
                document.add_paragraph(extra)
            if qtype != QuestionType.JUDGE or list(options) != ["正确", "错误"]:
                for index, option in enumerate(options):
                    document.add_paragraph(f"{LETTERS[index]}. {option}")
            shown = format_answer(qtype, answer)
            if qtype == QuestionType.JUDGE and list(options) == ["正确", "错误"]:
                shown = options[answer[0]]
            document.add_paragraph(f"答案：{shown}")
            if explanation:
                document.add_paragraph(f"解析：{explanation}")
            document.add_paragraph(f"难度：{difficulty}")
            if tags:
                document.add_paragraph(f"知识点：{'、'.join(tags)}")
            if source:
                document.add_paragraph(f"来源：{source}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_template_bytes() -> bytes:
    """The downloadable example: the spreadsheet template's questions in the Word layout."""
    from .excel import TEMPLATE_ROWS, build_question_data

    questions = []
    for row in TEMPLATE_ROWS:
        text = [str(value) for value in row]
        data = build_question_data(text[0], text[1], text[2:10], text[10], text[11], text[12], text[13], text[14])
        questions.append((data.qtype, data.stem, data.options, data.answer, data.difficulty, data.tags, data.source,
                          data.explanation))
    return write_docx(questions, "题库导入示例")
