"""Creating questions and the text formats shared by the Excel sheets and the admin form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Question, QuestionBank, QuestionType, Tag
from ..models.banks import content_hash
from .grading import LETTERS

TYPE_LABELS = {
    QuestionType.SINGLE: "单选题",
    QuestionType.MULTIPLE: "多选题",
    QuestionType.JUDGE: "判断题",
    QuestionType.FILL: "填空题",
}
_TYPE_ALIASES = {
    "单选题": QuestionType.SINGLE, "单选": QuestionType.SINGLE, "single": QuestionType.SINGLE,
    "多选题": QuestionType.MULTIPLE, "多选": QuestionType.MULTIPLE, "multiple": QuestionType.MULTIPLE,
    "判断题": QuestionType.JUDGE, "判断": QuestionType.JUDGE, "judge": QuestionType.JUDGE,
    "填空题": QuestionType.FILL, "填空": QuestionType.FILL, "fill": QuestionType.FILL,
}
JUDGE_OPTIONS = ["正确", "错误"]
_JUDGE_WORDS = {"正确": 0, "对": 0, "是": 0, "√": 0, "T": 0, "TRUE": 0, "错误": 1, "错": 1, "否": 1, "×": 1,
                "F": 1, "FALSE": 1}
MAX_OPTIONS = 8
_TAG_SPLIT = re.compile(r"[、,，;；\s]+")
_BLANK_SPLIT = re.compile(r"[;；]")
_ALT_SPLIT = re.compile(r"[|｜]")


class QuestionFormatError(ValueError):
    pass


@dataclass
class QuestionData:
    qtype: str
    stem: str
    options: list[str]
    answer: Any
    difficulty: int = 3
    tags: list[str] = field(default_factory=list)
    source: str = ""
    explanation: str = ""

    @property
    def content_hash(self) -> str:
        return content_hash(self.qtype, self.stem, self.options, self.answer)


def parse_type(text: str) -> str:
    qtype = _TYPE_ALIASES.get(text.strip().lower()) or _TYPE_ALIASES.get(text.strip())
    if qtype is None:
        raise QuestionFormatError(_("Unknown question type “%(type)s” (use 单选题, 多选题, 判断题 or 填空题).")
                                  % {"type": text})
    return str(qtype)


def parse_answer(qtype: str, text: str, options: list[str]) -> Any:
    """Answer text as written in the sheet -> stored answer."""
    text = text.strip()
    if not text:
        raise QuestionFormatError(_("The answer is empty."))
    if qtype == QuestionType.FILL:
        blanks = [[alt.strip() for alt in _ALT_SPLIT.split(part) if alt.strip()] for part in _BLANK_SPLIT.split(text)]
        blanks = [b for b in blanks if b]
        if not blanks:
            raise QuestionFormatError(_("The answer is empty."))
        return blanks
    if qtype == QuestionType.JUDGE and text.upper() in _JUDGE_WORDS:
        return [_JUDGE_WORDS[text.upper()]]
    letters = [c for c in text.upper() if c not in " ,，、;；"]
    indices = []
    for c in letters:
        if c not in LETTERS[: len(options)]:
            raise QuestionFormatError(_("The answer “%(answer)s” names an option that does not exist.")
                                      % {"answer": text})
        indices.append(LETTERS.index(c))
    indices = sorted(set(indices))
    if qtype in (QuestionType.SINGLE, QuestionType.JUDGE) and len(indices) != 1:
        raise QuestionFormatError(_("A single-choice or true/false question has exactly one answer."))
    if qtype == QuestionType.MULTIPLE and len(indices) < 1:
        raise QuestionFormatError(_("The answer is empty."))
    return indices


def format_answer(qtype: str, answer: Any) -> str:
    if qtype == QuestionType.FILL:
        return "；".join("|".join(alts) for alts in answer)
    return "".join(LETTERS[i] for i in answer)


def build_question_data(
    qtype_text: str, stem: str, options: list[str], answer_text: str, difficulty: Any = 3,
    tags_text: str = "", source: str = "", explanation: str = "",
) -> QuestionData:
    qtype = parse_type(qtype_text)
    stem = stem.strip()
    if not stem:
        raise QuestionFormatError(_("The stem is empty."))
    options = [o.strip() for o in options if o is not None and str(o).strip()]
    if qtype == QuestionType.JUDGE and not options:
        options = list(JUDGE_OPTIONS)
    if qtype == QuestionType.FILL:
        options = []
    elif len(options) < 2:
        raise QuestionFormatError(_("A choice question needs at least two options."))
    elif len(options) > MAX_OPTIONS:
        raise QuestionFormatError(_("A question may have at most %(n)d options.") % {"n": MAX_OPTIONS})
    answer = parse_answer(qtype, answer_text, options)
    try:
        level = int(str(difficulty).strip() or 3) if difficulty not in (None, "") else 3
    except ValueError:
        raise QuestionFormatError(_("Difficulty must be a whole number from 1 to 5.")) from None
    if not 1 <= level <= 5:
        raise QuestionFormatError(_("Difficulty must be a whole number from 1 to 5."))
    tags = sorted({t for t in _TAG_SPLIT.split(tags_text or "") if t})
    if any(len(t) > 50 for t in tags):
        raise QuestionFormatError(_("A tag may have at most 50 characters."))
    return QuestionData(qtype, stem, options, answer, level, tags, (source or "").strip()[:255],
                        (explanation or "").strip())


def tag_objects(names: list[str], cache: dict[str, Tag] | None = None) -> list[Tag]:
    cache = {} if cache is None else cache
    out = []
    for name in names:
        if name not in cache:
            cache[name], _created = Tag.objects.get_or_create(name=name)
        out.append(cache[name])
    return out


def upsert_question(bank: QuestionBank, data: QuestionData, tag_cache: dict[str, Tag] | None = None) -> str:
    """Create the question unless the bank has one with the same content; returns created/updated/unchanged."""
    existing = Question.objects.filter(bank=bank, content_hash=data.content_hash).first()
    if existing is None:
        question = Question(bank=bank, qtype=data.qtype, stem=data.stem, options=data.options, answer=data.answer,
                            difficulty=data.difficulty, source=data.source, explanation=data.explanation)
        question.save()
        if data.tags:
            question.tags.set(tag_objects(data.tags, tag_cache))
        return "created"
    changed = False
    for attr in ("difficulty", "source", "explanation"):
        if getattr(existing, attr) != getattr(data, attr):
            setattr(existing, attr, getattr(data, attr))
            changed = True
    if changed:
        existing.save()
    if sorted(existing.tags.values_list("name", flat=True)) != data.tags:
        existing.tags.set(tag_objects(data.tags, tag_cache))
        changed = True
    return "updated" if changed else "unchanged"


@transaction.atomic
def save_questions(bank: QuestionBank, items: list[QuestionData]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    cache: dict[str, Tag] = {}
    seen: set[str] = set()
    for data in items:
        if data.content_hash in seen:
            counts["unchanged"] += 1
            continue
        seen.add(data.content_hash)
        counts[upsert_question(bank, data, cache)] += 1
    return counts
