"""Relevance for the embedded backend, on candidates the database's full-text index found.

The database ranks passages and titles by their own measure (bm25 on SQLite, ts_rank on PostgreSQL);
those numbers are not comparable across databases or tables, so the final order comes from features
computed here the same way for both (each feature lies in [0, 1], the weights below say what counts most):

- an exact document number; a title that is the query, holds it, or is named by an alias (党章 → 中国共产党章程);
- the article or chapter the query names (党章第十二条, 处分条例 第二十九条, 第三章);
- how much of the query the title covers; an exact remembered phrase in an article; how much of the query one
  article covers (an everyday word counts as covered by its synonym: 交党费 ~ 党费收缴) and how close together
  the words stand there;
- for a query about party work: intra-party regulations above state laws, and the standing of the document's kind
  (党章 > 准则 > 条例 > 规定 > 办法 > 规则 > 细则 > 规范性文件); for other queries the standing is a small prior;
- the database's own rank as a tie-breaker.

Versions of one document (same title) are folded into one hit that scores as the best of them and shows the
current version (in force, latest date) — or the version of the year the query names (处分条例 1997); with a
validity filter, the best-scoring version within it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..core import FacetValue
from ..query import QueryPlan
from ..text import normalize

W_DOC_NUMBER = 1000.0
W_TITLE_EQUAL = 200.0
W_TITLE_CONTAINS = 120.0
W_TITLE_TIGHT = 40.0  # among titles holding the query, the one the query fills most (its own, not a derivative)
W_ALIAS = 220.0  # the title an alias names (党章): like typing the full title
W_ARTICLE = 300.0  # the article / chapter the query names
W_TITLE_COVERAGE = 60.0
W_PHRASE = 90.0
W_PASSAGE_COVERAGE = 40.0
W_PROXIMITY = 15.0
W_PARTY = 40.0  # party query: an intra-party regulation or normative document
W_STANDING = 20.0  # party query: the standing of its kind
W_STANDING_PRIOR = 3.0  # other queries
W_DB_RANK = 8.0
W_CURRENT = 1.0
MIN_COVERAGE = 0.5  # below this (and with no phrase, title, alias, article or number match) a candidate is noise

FACET_FIELDS = ("category", "issuer", "year", "validity", "content_type")
LAW = "法律法规"
STANDING = {"党章": 1.0, "准则": 0.9, "条例": 0.8, "规定": 0.7, "办法": 0.6, "规则": 0.55, "细则": 0.5,
            "规范性文件": 0.4}


@dataclass
class PassageCandidate:
    id: int
    entry_id: int
    db_rank: float  # larger is better
    text: str = ""
    norm: str = ""  # text.normalize(text)
    tokens: str = ""
    label: str = ""
    chapter: str = ""
    anchor: str = ""


@dataclass
class EntryCandidate:
    id: int
    title: str
    title_tokens: str
    title_key: str
    doc_number_key: str
    validity: str
    issue_date_ordinal: int
    category: str = ""
    content_type: str = "document"
    version: str = ""
    version_date: dt.date | None = None
    passages: list[PassageCandidate] = field(default_factory=list)
    facets: dict[str, Any] = field(default_factory=dict)
    score: float = 0.0
    best: PassageCandidate | None = None
    other_versions: int = 0
    current: bool = True  # is the current version of its title

    @property
    def version_year(self) -> int | None:
        return self.version_date.year if self.version_date else None


@dataclass
class Unit:
    """One thing the query asks for: a word, or an everyday term with the wordings that stand for it."""

    weight: int
    alternatives: list[list[str]]  # token lists; any one of them, fully present, covers the unit
    strings: list[str]  # normalized surface forms, for proximity


def query_units(plan: QueryPlan, tokens: list[str], segment: Any) -> list[Unit]:
    units: list[Unit] = []
    used: set[str] = set()
    for term, alternatives in plan.synonyms.items():
        term_tokens = [t for t in segment(term) if t in tokens] or segment(term)
        used.update(term_tokens)
        alts = [term_tokens] + [segment(alt) for alt in alternatives]
        units.append(Unit(weight=len(term), alternatives=[a for a in alts if a],
                          strings=[term] + [normalize(a) for a in alternatives]))
    for token in tokens:
        if token not in used:
            units.append(Unit(weight=len(token), alternatives=[[token]], strings=[token]))
    return units


def coverage(units: list[Unit], present: set[str]) -> float:
    """Share of the query (by characters, so short function words weigh little) found in ``present``."""
    total = sum(u.weight for u in units)
    if not total:
        return 0.0
    got = 0.0
    for unit in units:
        got += unit.weight * max(sum(1 for t in alt if t in present) / len(alt) for alt in unit.alternatives)
    return got / total


def proximity(units: list[Unit], norm: str) -> float:
    """1 when the query's words stand together in ``norm`` (the smallest window holding all of them is at most
    twice their length), falling towards 0 as they spread over the article; 0 when one is missing."""
    if len(units) < 2:
        return 0.0
    hits: list[tuple[int, int, int]] = []  # (start, end, unit)
    for i, unit in enumerate(units):
        found = False
        for s in unit.strings:
            if not s:
                continue
            start = norm.find(s)
            while start != -1:
                hits.append((start, start + len(s), i))
                found = True
                start = norm.find(s, start + 1)
        if not found:
            return 0.0
    hits.sort()
    need = len(units)
    best = len(norm) + 1
    counts: dict[int, int] = {}
    left = 0
    for right in range(len(hits)):
        counts[hits[right][2]] = counts.get(hits[right][2], 0) + 1
        while len(counts) == need:
            window = max(h[1] for h in hits[left: right + 1]) - hits[left][0]
            best = min(best, window)
            first_unit = hits[left][2]
            counts[first_unit] -= 1
            if not counts[first_unit]:
                del counts[first_unit]
            left += 1
    length = sum(min(len(s) for s in u.strings if s) for u in units)
    return min(1.0, 2 * length / best) if best > 0 else 0.0


def phrase_share(parts: list[str], text_norm: str) -> float:
    if not parts:
        return 0.0
    return sum(1 for p in parts if p in text_norm) / len(parts)


def article_match(plan: QueryPlan, passage: PassageCandidate) -> bool:
    if plan.article is None:
        return False
    label = plan.article.label
    if plan.article.kind == "条":
        return passage.label == label
    return passage.label.startswith(label) or passage.chapter.startswith(label)


def party_features(plan: QueryPlan, entry: EntryCandidate) -> float:
    if entry.content_type != "document":
        return 0.0
    standing = STANDING.get(entry.category, 0.0)
    if plan.party:
        return (W_PARTY if entry.category != LAW else 0.0) + W_STANDING * standing
    return W_STANDING_PRIOR * standing


def score_entries(entries: list[EntryCandidate], plan: QueryPlan, tokens: list[str], units: list[Unit],
                  doc_number: str, max_db_rank: float) -> list[EntryCandidate]:
    """Scores ``entries`` in place; returns those that match well enough, best first (versions not yet folded)."""
    q_norm = normalize(plan.text)
    parts = [normalize(p) for p in plan.text.split() if len(normalize(p)) >= 2] or ([q_norm] if q_norm else [])
    # Tokens that occur in no candidate at all (typos, stray syntax) do not count against coverage.
    seen: set[str] = set()
    for entry in entries:
        seen.update(entry.title_tokens.split())
        for passage in entry.passages:
            seen.update(passage.tokens.split())
    units = [u for u in units if any(all(t in seen for t in alt) for alt in u.alternatives)] or units
    titles = set(plan.titles)
    # An everyday term written in an article in the regulation's own wording counts as its phrase (入党程序 ~ 申请入党).
    wordings = [(len(term) / len(q_norm), [normalize(a) for a in alts])
                for term, alts in plan.synonyms.items() if q_norm] if q_norm else []
    kept: list[EntryCandidate] = []
    for entry in entries:
        title_norm = normalize(entry.title)
        title_cov = coverage(units, set(entry.title_tokens.split()))
        number = 1.0 if doc_number and entry.doc_number_key == doc_number else 0.0
        equal = 1.0 if q_norm and title_norm == q_norm else 0.0
        contains = phrase_share(parts, title_norm)
        tight = contains * min(1.0, len(q_norm) / len(title_norm)) if title_norm else 0.0
        alias = 1.0 if title_norm in titles else 0.0
        best_value = best_phrase = best_cov = 0.0
        best_article = False
        entry.best = None
        for passage in entry.passages:
            norm = passage.norm or normalize(passage.text)
            phrase = phrase_share(parts, norm)
            if wordings:
                phrase = max(phrase, min(1.0, sum(share for share, alts in wordings if any(a in norm for a in alts))))
            cov = coverage(units, set(passage.tokens.split()))
            near = proximity(units, norm) if cov >= 0.99 else 0.0
            rank = passage.db_rank / max_db_rank if max_db_rank > 0 else 0.0
            on_article = article_match(plan, passage)
            value = (W_ARTICLE * on_article + W_PHRASE * phrase + W_PASSAGE_COVERAGE * cov**2 + W_PROXIMITY * near
                     + W_DB_RANK * rank)
            if entry.best is None or value > best_value:
                entry.best, best_value, best_phrase, best_cov, best_article = passage, value, phrase, cov, on_article
        if plan.article is not None and not best_article and not units:
            continue  # "第十二条" alone: only documents that have that article
        if not (number or contains or alias or best_phrase or best_article
                or max(title_cov, best_cov) >= MIN_COVERAGE):
            continue
        entry.score = (W_DOC_NUMBER * number + W_TITLE_EQUAL * equal + W_TITLE_CONTAINS * contains
                       + W_TITLE_TIGHT * tight + W_ALIAS * alias + W_TITLE_COVERAGE * title_cov**2 + best_value
                       + party_features(plan, entry) + (W_CURRENT if entry.validity in ("", "current") else 0.0))
        kept.append(entry)
    kept.sort(key=lambda e: (-e.score, -e.issue_date_ordinal, e.id))
    return kept


def version_order(entry: EntryCandidate) -> tuple[int, int]:
    """Sort key of the versions of one title: in force first, then the latest date."""
    return (version_rank(entry.validity in ("", "current"), entry.version_date), entry.id)


def version_rank(in_force: bool, version_date: dt.date | None) -> int:
    """``version_order`` as one number (the Elasticsearch backend indexes it to pick the same version)."""
    return (10_000_000 if in_force else 0) + (version_date.toordinal() if version_date else 0)


def count_facets(rows: Iterable[dict[str, Any]]) -> dict[str, list[FacetValue]]:
    """Facet values of the listed rows (one row per hit the list shows): no empty values, years newest first,
    the rest by count then value; at most 30 each. Both backends count with this."""
    facets: dict[str, list[FacetValue]] = {}
    rows = list(rows)
    for name in FACET_FIELDS:
        counts = Counter(str(row[name]) for row in rows if row.get(name) not in (None, ""))
        ordered = sorted(counts.items(), key=lambda kv: (-int(kv[0]), 0) if name == "year" else (-kv[1], kv[0]))
        facets[name] = [FacetValue(value=v, count=n) for v, n in ordered[:30]]
    return facets


def current_ids(versions: list[EntryCandidate]) -> set[int]:
    """Of each title's versions, the current one (in force, latest version date)."""
    groups: dict[str, list[EntryCandidate]] = {}
    for entry in versions:
        groups.setdefault(entry.title_key, []).append(entry)
    return {max(group, key=version_order).id for group in groups.values()}


def representative(group: list[EntryCandidate], plan: QueryPlan, filtered_validity: bool) -> EntryCandidate:
    """Which version of a title a hit shows: the year the query names, else (without a validity filter) the
    current version, else the best-scoring one."""
    if plan.year is not None:
        named = [e for e in group if e.version_year == plan.year]
        if named:
            return named[0]
    if not filtered_validity:
        return max(group, key=version_order)
    return group[0]
