"""Query understanding: what a member's query asks for, before any index is touched.

``understand(q)`` returns a ``QueryPlan``: the words to match, synonyms of everyday wording, the documents an
alias names (党章 → 中国共产党章程), an article or chapter reference (第十二条, 第12条, 第三章), a version year
(1997, 2015年版) and whether the query is about party work. The vocabulary comes from
``search/data/query_terms.txt`` merged with the ``QueryTerm`` rows administrators add in the admin; both
backends build their queries from the same plan."""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from school.numerals import chinese_to_int, int_to_chinese

from .core import SearchDocument
from .text import find_doc_number, normalize

TERMS_FILE = Path(__file__).with_name("data") / "query_terms.txt"
KINDS = ("aliases", "synonyms", "party")

_NUM = "零〇○一二三四五六七八九十百千两0-9"
ARTICLE_RE = re.compile(rf"第\s*([{_NUM}]+)\s*(条|章|节)")
YEAR_RE = re.compile(r"((?:19|20)\d\d)\s*(?:年版|年修订|年修正|年|版)?")


@dataclass(frozen=True)
class ArticleRef:
    kind: str  # "条" article, "章" chapter, "节" section
    number: int

    @property
    def label(self) -> str:
        """As the documents write it: 第十二条, 第三章."""
        return f"第{int_to_chinese(self.number)}{self.kind}"


@dataclass
class Lexicon:
    aliases: dict[str, list[str]] = field(default_factory=dict)  # normalized term -> titles
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # normalized term -> alternatives
    party: set[str] = field(default_factory=set)

    def add(self, kind: str, term: str, values: list[str]) -> None:
        key = normalize(term)
        if not key:
            return
        if kind == "party":
            self.party.add(key)
            return
        target = self.aliases if kind == "aliases" else self.synonyms
        known = target.setdefault(key, [])
        known.extend(v for v in (value.strip() for value in values) if v and v not in known)


def parse_terms(text: str) -> Lexicon:
    """The data file's format: ``[section]`` lines, then ``term = value | value`` (aliases, synonyms) or
    space-separated words (party); ``#`` starts a comment."""
    lexicon = Lexicon()
    kind = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            kind = line[1:-1].strip()
            continue
        if kind == "party":
            for word in line.split():
                lexicon.add("party", word, [])
        elif kind in KINDS and "=" in line:
            term, values = line.split("=", 1)
            lexicon.add(kind, term, values.split("|"))
    return lexicon


_file_lexicon: Lexicon | None = None


def file_lexicon() -> Lexicon:
    """The data file's vocabulary alone (no database: query bodies built in tests without one)."""
    global _file_lexicon
    if _file_lexicon is None:
        _file_lexicon = parse_terms(TERMS_FILE.read_text(encoding="utf-8"))
    return _file_lexicon


_cache_lock = threading.Lock()
_cache: tuple[object, Lexicon] | None = None


def _admin_terms_stamp() -> object:
    from django.db.models import Count, Max

    from .models import QueryTerm

    row = QueryTerm.objects.aggregate(n=Count("id"), changed=Max("updated_at"))
    return row["n"], row["changed"]


def lexicon() -> Lexicon:
    """The file's vocabulary plus the admin's rows; rebuilt when the rows change (checked with one small query)."""
    global _cache
    from .models import QueryTerm

    stamp = _admin_terms_stamp()
    cached = _cache
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _cache_lock:
        built = parse_terms(TERMS_FILE.read_text(encoding="utf-8"))  # a fresh copy: admin rows are added to it
        for term in QueryTerm.objects.order_by("pk"):
            built.add(term.kind, term.term, term.values())
        _cache = (stamp, built)
    return built


@dataclass
class QueryPlan:
    q: str  # as typed (cleaned)
    text: str  # what remains to match once the article reference and the version year are taken out
    article: ArticleRef | None = None
    year: int | None = None
    titles: list[str] = field(default_factory=list)  # normalized titles an alias names
    alias_terms: list[str] = field(default_factory=list)
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # term in the query -> alternatives
    party: bool = False

    @property
    def expansions(self) -> list[str]:
        return [alt for alts in self.synonyms.values() for alt in alts]


def _find_terms(norm: str, terms: dict[str, list[str]]) -> list[str]:
    """Terms found in ``norm``, longest first, without overlaps."""
    found: list[str] = []
    taken: list[tuple[int, int]] = []
    for term in sorted(terms, key=len, reverse=True):
        start = norm.find(term)
        if start == -1:
            continue
        end = start + len(term)
        if all(end <= a or start >= b for a, b in taken):
            taken.append((start, end))
            found.append(term)
    return found


def understand(q: str, lex: Lexicon | None = None) -> QueryPlan:
    lex = lex if lex is not None else lexicon()
    text = q
    article: ArticleRef | None = None
    match = ARTICLE_RE.search(text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    if match:
        number = chinese_to_int(match.group(1))
        if number:
            article = ArticleRef(kind=match.group(2), number=number)
            text = (text[: match.start()] + " " + text[match.end():]).strip()
    year: int | None = None
    year_match = None if find_doc_number(text) else YEAR_RE.search(text)
    if year_match and not re.fullmatch(r"\s*(?:19|20)\d\d\s*", text):  # a year alone is a query, not a version
        year = int(year_match.group(1))
        text = (text[: year_match.start()] + " " + text[year_match.end():]).strip()
    text = " ".join(text.split())
    norm = normalize(text)
    alias_terms = _find_terms(norm, lex.aliases)
    titles = [normalize(title) for term in alias_terms for title in lex.aliases[term]]
    synonym_terms = _find_terms(norm, lex.synonyms)
    synonyms = {term: lex.synonyms[term] for term in synonym_terms}
    party = bool(article and not norm) or bool(titles and any("党" in t or "纪律" in t for t in titles)) \
        or any(word in norm for word in lex.party)
    return QueryPlan(q=q, text=text, article=article, year=year, titles=titles, alias_terms=alias_terms,
                     synonyms=synonyms, party=party)


def version_date(doc: SearchDocument) -> dt.date | None:
    """The date that orders the versions of one title: effective, else issued, else 1 January of the year in
    the version note (2018年版)."""
    if doc.effective_date or doc.issue_date:
        return doc.effective_date or doc.issue_date
    match = YEAR_RE.search(doc.version)
    return dt.date(int(match.group(1)), 1, 1) if match else None
