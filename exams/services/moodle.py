"""Moodle GIFT and Moodle XML, read and written.

Mapping: single and multiple choice (weights: every answer with a positive weight is in the correct set),
true/false, short answer -> fill-in (every accepted answer an alternative), general feedback -> 解析,
categories -> tags (the last part of the category path). Difficulty and source, which Moodle has no
field for, travel as ``// 难度：3`` / ``// 来源：…`` comments in GIFT and as ``难度:3`` / ``来源:…`` tags
in XML, so a bank exported here imports back unchanged. Types this platform does not have (essay,
matching, numerical, cloze, description, …) are reported by name and line; they are left out only
when the trainer asks for it (``skip_unsupported``)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from lxml import etree

from school.excel.workbook import RowError

from ..models import QuestionType
from .questions import TYPE_LABELS, QuestionData, QuestionFormatError, build_question_data, format_answer

ExportQuestion = tuple[str, str, Sequence[str], Any, int, Sequence[str], str, str]
_SPECIAL = "~=#{}:"


@dataclass
class Parsed:
    items: list[QuestionData] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)  # unsupported types (errors unless skipped)


def _unsupported(parsed: Parsed, line: int, kind: str, skip: bool) -> None:
    message = _("Line %(line)d: the question type “%(type)s” is not supported here; it is left out only if you "
                "choose to skip unsupported questions.") % {"line": line, "type": kind}
    (parsed.skipped if skip else parsed.errors).append(RowError(line, "", message))


def html_text(value: str) -> str:
    """Text of an HTML fragment (Moodle's ``[html]`` format): line breaks kept, tags dropped, entities decoded."""
    value = re.sub(r"(?i)<br\s*/?>|</p>\s*<p[^>]*>", "\n", value)
    return html.unescape(strip_tags(value)).strip()


def _text_html(value: str) -> str:
    return html.escape(value, quote=False).replace("\n", "<br>")


# --- GIFT ---------------------------------------------------------------------------------------------

_ESCAPED = re.compile(r"\\([~=#{}:n\\])")


def _unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: "\n" if m[1] == "n" else m[1], text)


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in _SPECIAL:
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _split_unescaped(text: str, chars: str) -> list[tuple[str, str]]:
    """``[(marker, text)]`` pieces of an answer block split at unescaped ``chars``."""
    pieces: list[tuple[str, str]] = []
    marker, index = "", 0
    current: list[str] = []
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index: index + 2])
            index += 2
            continue
        if char in chars:
            if current or marker:
                pieces.append((marker, "".join(current)))
            marker, current = char, []
        else:
            current.append(char)
        index += 1
    if current or marker:
        pieces.append((marker, "".join(current)))
    return pieces


def _find_unescaped(text: str, char: str, start: int = 0) -> int:
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == char:
            return index
        index += 1
    return -1


_FORMAT = re.compile(r"^\s*\[(html|plain|markdown|moodle)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


def _gift_text(text: str, fmt: str) -> str:
    text = _unescape(text.strip())
    return html_text(text) if fmt == "html" else text.strip()


def parse_gift(text: str, *, skip_unsupported: bool = False) -> Parsed:
    parsed = Parsed()
    category_tags: list[str] = []
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        row_text = raw.rstrip()
        if not row_text.strip():
            if current:
                blocks.append((start, current))
                current = []
            continue
        if not current:
            start = number
        current.append(row_text)
    if current:
        blocks.append((start, current))
    for line, block in blocks:
        meta: dict[str, str] = {}
        tags: list[str] = []
        body: list[str] = []
        first_line = line
        for offset, row in enumerate(block):
            stripped = row.strip()
            if stripped.startswith("//"):
                comment = stripped[2:].strip()
                tags += re.findall(r"\[tag:([^\]]+)\]", comment)
                if m := re.match(r"^(难度|来源)\s*[:：]\s*(.*)$", comment):
                    meta[m[1]] = m[2].strip()
                continue
            if stripped.startswith("$CATEGORY:"):
                path = stripped[len("$CATEGORY:"):].strip()
                parts = [p for p in path.split("/") if p and not p.startswith("$") and p.lower() != "top"]
                category_tags = parts[-1:]
                continue
            if not body:
                first_line = line + offset
            body.append(row)
        if not body:
            continue
        _gift_question(parsed, first_line, "\n".join(body), category_tags + tags, meta, skip_unsupported)
    return parsed


def _gift_question(parsed: Parsed, line: int, body: str, tags: list[str], meta: dict[str, str], skip: bool) -> None:
    text = body.strip()
    if text.startswith("::"):
        end = _find_unescaped(text, ":", 2)
        while end >= 0 and text[end: end + 2] != "::":
            end = _find_unescaped(text, ":", end + 1)
        text = text[end + 2:] if end >= 0 else text
    fmt_match = _FORMAT.match(text)
    fmt = fmt_match[1].lower() if fmt_match else "moodle"
    if fmt_match:
        text = text[fmt_match.end():]
    open_at = _find_unescaped(text, "{")
    close_at = _find_unescaped(text, "}", open_at + 1) if open_at >= 0 else -1
    if open_at < 0 or close_at < 0:
        _unsupported(parsed, line, "description", skip)
        return
    before, answers, after = text[:open_at], text[open_at + 1: close_at].strip(), text[close_at + 1:]
    stem = _gift_text(before, fmt)
    if re.search(r"\w", after):  # the "missing word" layout: the answer goes in a blank inside the stem
        stem = f"{stem}（ ）{_gift_text(after, fmt)}"
    explanation = ""
    general = answers.find("####")
    if general >= 0:
        explanation = _gift_text(answers[general + 4:], fmt)
        answers = answers[:general].strip()
    difficulty = meta.get("难度", "")
    source = meta.get("来源", "")
    tags_text = "、".join(tags)
    try:
        if answers.startswith("#"):
            _unsupported(parsed, line, "numerical", skip)
            return
        if not answers:
            _unsupported(parsed, line, "essay", skip)
            return
        word = answers.split("#", 1)[0].strip().upper()
        if word in {"T", "TRUE", "F", "FALSE"}:
            parsed.items.append(build_question_data("判断题", stem, [], "正确" if word.startswith("T") else "错误",
                                                    difficulty, tags_text, source, explanation))
            return
        pieces = [(marker, piece) for marker, piece in _split_unescaped(answers, "=~") if marker]
        if any(_find_unescaped(piece, "-") >= 0 and "->" in piece for _marker, piece in pieces):
            _unsupported(parsed, line, "matching", skip)
            return
        options: list[str] = []
        correct: list[int] = []
        for marker, piece in pieces:
            piece = piece.strip()
            feedback = _find_unescaped(piece, "#")
            if feedback >= 0:
                piece = piece[:feedback]
            weight = 100.0 if marker == "=" else 0.0
            if w := _WEIGHT.match(piece):
                weight = float(w[1])
                piece = piece[w.end():]
            piece_format = _FORMAT.match(piece)
            if piece_format:
                piece = piece[piece_format.end():]
            if weight > 0:
                correct.append(len(options))
            options.append(_gift_text(piece, piece_format[1].lower() if piece_format else fmt))
        if not any(marker == "~" for marker, _piece in pieces):
            alternatives = [options[i] for i in correct]
            parsed.items.append(build_question_data("填空题", stem, [], "|".join(alternatives), difficulty, tags_text,
                                                    source, explanation))
            return
        qtype = "多选题" if len(correct) > 1 or any(_WEIGHT.match(p.strip()) for _m, p in pieces) else "单选题"
        letters = "".join(chr(65 + i) for i in correct)
        parsed.items.append(build_question_data(qtype, stem, options, letters, difficulty, tags_text, source,
                                                explanation))
    except QuestionFormatError as exc:
        parsed.errors.append(RowError(line, "", _("Line %(line)d: %(error)s") % {"line": line, "error": exc}))


def write_gift(questions: Iterable[ExportQuestion], title: str) -> str:
    out = [f"// {title}", ""]
    for number, (qtype, stem, options, answer, difficulty, tags, source, explanation) in enumerate(questions, 1):
        out.append(f"// 难度：{difficulty}")
        if source:
            out.append(f"// 来源：{source}")
        if tags:
            out.append("// " + " ".join(f"[tag:{t}]" for t in tags))
        general = f" ####{_escape(explanation)}" if explanation else ""
        if qtype == QuestionType.JUDGE:
            block = "TRUE" if answer == [0] else "FALSE"
        elif qtype == QuestionType.FILL:
            if len(answer) == 1:
                block = " ".join(f"={_escape(alt)}" for alt in answer[0])
            else:  # several blanks: one accepted answer in the sheet notation (a|b；c)
                block = "=" + _escape(format_answer(qtype, answer))
        elif qtype == QuestionType.MULTIPLE:
            share = 100 / len(answer)
            weight = f"{share:g}" if share == int(share) else f"{share:.5f}"
            block = " ".join(f"~%{weight if i in answer else '-100'}%{_escape(o)}" for i, o in enumerate(options))
        else:
            block = " ".join(f"{'=' if i in answer else '~'}{_escape(o)}" for i, o in enumerate(options))
        out.append(f"::{TYPE_LABELS[QuestionType(qtype)]}{number}:: {_escape(stem)} {{{block}{general}}}")
        out.append("")
    return "\n".join(out)


# --- Moodle XML ---------------------------------------------------------------------------------------

_SUPPORTED_XML = {"multichoice", "truefalse", "shortanswer"}


def _node_text(node: Any) -> str:
    """The text of a Moodle XML text holder (``<questiontext format="html"><text>…</text>``)."""
    if node is None:
        return ""
    text_node = node.find("text")
    value = (text_node.text if text_node is not None else node.text) or ""
    if (node.get("format") or "").lower() in ("plain_text", "markdown"):
        return value.strip()
    return html_text(value)


def _xml_text(element: Any, path: str) -> str:
    return _node_text(element.find(path))


def parse_xml(data: bytes, *, skip_unsupported: bool = False) -> Parsed:
    parsed = Parsed()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, dtd_validation=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        parsed.errors.append(RowError(0, "", _("The file is not Moodle XML: %(error)s") % {"error": exc}))
        return parsed
    if root.tag != "quiz":
        parsed.errors.append(RowError(0, "", _("The file is not Moodle XML (no <quiz> element).")))
        return parsed
    category_tags: list[str] = []
    for question in root.iter("question"):
        kind = question.get("type") or ""
        line = question.sourceline or 0
        if kind == "category":
            path = _xml_text(question, "category")
            parts = [p for p in path.split("/") if p and not p.startswith("$") and p.lower() != "top"]
            category_tags = parts[-1:]
            continue
        if kind not in _SUPPORTED_XML:
            _unsupported(parsed, line, kind, skip_unsupported)
            continue
        stem = _xml_text(question, "questiontext")
        explanation = _xml_text(question, "generalfeedback")
        tags, difficulty, source = list(category_tags), "", ""
        for tag in question.iterfind("tags/tag/text"):
            value = (tag.text or "").strip()
            if value.startswith("难度:"):
                difficulty = value[3:]
            elif value.startswith("来源:"):
                source = value[3:]
            elif value:
                tags.append(value)
        answers = [(_fraction(a.get("fraction")), _node_text(a)) for a in question.iterfind("answer")]
        tags_text = "、".join(tags)
        try:
            if kind == "truefalse":
                true = next((fraction for fraction, text in answers if text.lower() == "true"), 0.0)
                parsed.items.append(build_question_data("判断题", stem, [], "正确" if true > 0 else "错误", difficulty,
                                                        tags_text, source, explanation))
            elif kind == "shortanswer":
                accepted = [text for fraction, text in answers if fraction > 0]
                parsed.items.append(build_question_data("填空题", stem, [], "|".join(accepted), difficulty, tags_text,
                                                        source, explanation))
            else:
                single = (question.findtext("single") or "true").strip().lower() in ("true", "1")
                letters = "".join(chr(65 + i) for i, (fraction, _t) in enumerate(answers) if fraction > 0)
                parsed.items.append(build_question_data("单选题" if single else "多选题", stem,
                                                        [text for _f, text in answers], letters, difficulty,
                                                        tags_text, source, explanation))
        except QuestionFormatError as exc:
            parsed.errors.append(RowError(line, "", _("Line %(line)d: %(error)s") % {"line": line, "error": exc}))
    return parsed


def _fraction(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def write_xml(questions: Iterable[ExportQuestion], title: str) -> bytes:
    quiz = etree.Element("quiz")
    quiz.append(etree.Comment(f" {title} "))

    def text_element(parent: Any, tag: str, value: str, fmt: str | None = "html") -> Any:
        element = etree.SubElement(parent, tag, **({"format": fmt} if fmt else {}))
        etree.SubElement(element, "text").text = _text_html(value) if fmt == "html" else value
        return element

    for number, (qtype, stem, options, answer, difficulty, tags, source, explanation) in enumerate(questions, 1):
        kind = {QuestionType.JUDGE: "truefalse", QuestionType.FILL: "shortanswer"}.get(QuestionType(qtype),
                                                                                       "multichoice")
        question = etree.SubElement(quiz, "question", type=kind)
        text_element(question, "name", f"{TYPE_LABELS[QuestionType(qtype)]}{number}", None)
        text_element(question, "questiontext", stem)
        text_element(question, "generalfeedback", explanation)
        etree.SubElement(question, "defaultgrade").text = "1"
        if kind == "truefalse":
            for index, word in enumerate(("true", "false")):
                item = etree.SubElement(question, "answer", fraction="100" if answer == [index] else "0",
                                        format="moodle_auto_format")
                etree.SubElement(item, "text").text = word
        elif kind == "shortanswer":
            alternatives = answer[0] if len(answer) == 1 else [format_answer(qtype, answer)]
            for alternative in alternatives:
                item = etree.SubElement(question, "answer", fraction="100", format="moodle_auto_format")
                etree.SubElement(item, "text").text = alternative
        else:
            etree.SubElement(question, "single").text = "true" if qtype == QuestionType.SINGLE else "false"
            etree.SubElement(question, "shuffleanswers").text = "0"
            etree.SubElement(question, "answernumbering").text = "ABCD"
            share = 100 / len(answer)
            for index, option in enumerate(options):
                fraction = (f"{share:g}" if index in answer else "0") if qtype == QuestionType.SINGLE else \
                    (f"{share:.5f}".rstrip("0").rstrip(".") if index in answer else "-100")
                item = etree.SubElement(question, "answer", fraction=fraction, format="html")
                etree.SubElement(item, "text").text = _text_html(option)
        tag_list = etree.SubElement(question, "tags")
        for value in [*tags, f"难度:{difficulty}", *([f"来源:{source}"] if source else [])]:
            etree.SubElement(etree.SubElement(tag_list, "tag"), "text").text = value
    return etree.tostring(quiz, xml_declaration=True, encoding="UTF-8", pretty_print=True)
