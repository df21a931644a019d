"""Split the full text of a regulation into parts (编), chapters (章), sections (节) and articles (条).

Pure functions on strings: the document page renders the result with anchors (``#art-12`` for 第十二条,
``#ch-3`` for the third chapter) and the search app indexes one entry per article. Nothing here touches
the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from school.numerals import chinese_to_int

_NUMERAL = "零〇○一二三四五六七八九十百千两0-9０-９"
_SPACE = " \t\u3000\u00a0\u2002\u2003\u200b"

# A heading line: 第X编/章/节 and a short title. Markdown bold around it is tolerated.
_HEADING_RE = re.compile(
    rf"^[*#{_SPACE}]*[第笫](?P<num>[{_NUMERAL}]+)(?P<kind>[编章节])(?P<title>[^。；;]*?)[*{_SPACE}]*$"
)
# An article starts a line: 第X条 (or 第X条之一), then whitespace, end of line or the text itself.
# Lines that merely begin with a reference ("第十条规定的…", "第五条第二款…") are not articles.
_ARTICLE_RE = re.compile(
    rf"^[*{_SPACE}]*[第笫](?P<num>[{_NUMERAL}]+)[{_SPACE}]?条(?:之(?P<sub>[{_NUMERAL}]+))?(?P<rest>.*)$", re.DOTALL
)
_NOT_ARTICLE_FOLLOWERS = ("规定", "后增加", "中增加", "修改", "至第", "第", "、", "，", ",", "的", "和第", "或者第",
                          "款", "项", "所", "作为")
_CJK_GAP_RE = re.compile(rf"(?<=[\u4e00-\u9fff])[{_SPACE}]+(?=[\u4e00-\u9fff])")
_SPACES_RE = re.compile(rf"[{_SPACE}]+")


def _clean_title(text: str) -> str:
    text = text.strip(_SPACE + "*#")
    text = _CJK_GAP_RE.sub("", text)
    return _SPACES_RE.sub(" ", text).strip()


@dataclass(frozen=True)
class Article:
    """One article: ``number`` 12, ``label`` "第十二条", ``anchor`` "art-12" (unique within the document)."""

    number: int
    label: str
    chapter: str
    text: str
    anchor: str
    section: str = ""
    part: str = ""
    sub: int = 0  # 第十七条之一 -> number 17, sub 1


@dataclass
class Heading:
    kind: str  # "part" (编), "chapter" (章), "section" (节)
    number: int
    label: str  # "第一章"
    title: str  # "总则"
    anchor: str
    text: str = ""  # paragraphs between the heading and its first article (rare)

    @property
    def full(self) -> str:
        return f"{self.label} {self.title}".strip()


@dataclass
class Outline:
    """The whole document: text before the first article, headings in order, and the articles."""

    preamble: str
    headings: list[Heading] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    blocks: list[Heading | Article] = field(default_factory=list)  # headings and articles in reading order


_KINDS = {"编": "part", "章": "chapter", "节": "section"}
_ANCHOR_PREFIX = {"part": "part", "chapter": "ch", "section": "sec"}


def _is_article_start(rest: str) -> bool:
    stripped = rest.lstrip(_SPACE)
    if stripped != rest or not stripped:
        return True  # whitespace or end of line after the label
    return not stripped.startswith(_NOT_ARTICLE_FOLLOWERS)


def outline(body: str) -> Outline:
    """Parse ``body`` into an :class:`Outline`. Never raises; a text without articles is all preamble."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    result = Outline(preamble="")
    preamble: list[str] = []
    current: dict[str, str] = {"part": "", "chapter": "", "section": ""}
    counters: dict[str, int] = {"part": 0, "chapter": 0, "section": 0}
    used: set[str] = set()
    article: dict[str, object] | None = None
    paragraphs: list[str] = []

    def unique(anchor: str) -> str:
        candidate, n = anchor, 1
        while candidate in used:
            n += 1
            candidate = f"{anchor}-{n}"
        used.add(candidate)
        return candidate

    def flush() -> None:
        nonlocal article, paragraphs
        if article is not None:
            item = Article(
                number=int(str(article["number"])), label=str(article["label"]), chapter=str(article["chapter"]),
                text="\n".join(p for p in paragraphs if p), anchor=str(article["anchor"]),
                section=str(article["section"]), part=str(article["part"]), sub=int(str(article["sub"])),
            )
            result.articles.append(item)
            result.blocks.append(item)
        article, paragraphs = None, []

    for raw in lines:
        line = raw.strip(_SPACE)
        if not line:
            continue
        heading = _HEADING_RE.match(line)
        if heading and len(line) <= 60:
            number = chinese_to_int(heading.group("num"))
            if number is not None:
                flush()
                kind = _KINDS[heading.group("kind")]
                counters[kind] += 1
                label = f"第{heading.group('num')}{heading.group('kind')}"
                item_h = Heading(kind=kind, number=number, label=label, title=_clean_title(heading.group("title")),
                                 anchor=unique(f"{_ANCHOR_PREFIX[kind]}-{counters[kind]}"))
                current[kind] = item_h.full
                if kind == "part":
                    current["chapter"] = current["section"] = ""
                elif kind == "chapter":
                    current["section"] = ""
                result.headings.append(item_h)
                result.blocks.append(item_h)
                continue
        match = _ARTICLE_RE.match(line)
        if match and _is_article_start(match.group("rest")):
            number = chinese_to_int(match.group("num"))
            sub = chinese_to_int(match.group("sub")) if match.group("sub") else 0
            if number is not None and sub is not None:
                flush()
                label = f"第{match.group('num')}条" + (f"之{match.group('sub')}" if sub else "")  # 笫 -> 第
                anchor = f"art-{number}" + (f"-{sub}" if sub else "")
                article = {"number": number, "label": label, "chapter": current["chapter"],
                           "section": current["section"], "part": current["part"], "sub": sub,
                           "anchor": unique(anchor)}
                first = match.group("rest").strip(_SPACE + "*")
                paragraphs = [first] if first else []
                continue
        if article is not None:
            paragraphs.append(line)
        elif result.headings and result.blocks and result.blocks[-1] is result.headings[-1]:
            last = result.headings[-1]
            last.text = f"{last.text}\n{line}" if last.text else line
        else:
            preamble.append(line)
    flush()
    result.preamble = "\n".join(preamble)
    return result


def split_articles(body: str) -> list[Article]:
    """The articles of ``body`` in order (empty when the text is not written in articles)."""
    return outline(body).articles
