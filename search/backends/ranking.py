"""Relevance for the embedded backend, on candidates the database's full-text index found.

The database ranks passages and titles by their own measure (bm25 on SQLite, ts_rank on PostgreSQL);
those numbers are not comparable across databases or tables, so the final order comes from features
computed here the same way for both: an exact document number first, then a title that is or holds
the query, how much of the query the title covers, an exact remembered phrase in an article, how much
of the query one article covers, and the database's own rank as a tie-breaker. Versions of one
document (same title) are folded into the best-scoring one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..text import normalize

# Weights of the features (each feature lies in [0, 1]).
W_DOC_NUMBER = 1000.0
W_TITLE_EQUAL = 200.0
W_TITLE_CONTAINS = 120.0
W_TITLE_TIGHT = 40.0  # among titles holding the query, the one the query fills most (its own, not a derivative)
W_TITLE_COVERAGE = 60.0
W_PHRASE = 90.0
W_PASSAGE_COVERAGE = 40.0
W_DB_RANK = 8.0
W_CURRENT = 1.0
MIN_COVERAGE = 0.5  # below this (and with no phrase, title or number match) a candidate is noise


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
    passages: list[PassageCandidate] = field(default_factory=list)
    facets: dict[str, Any] = field(default_factory=dict)
    score: float = 0.0
    best: PassageCandidate | None = None
    other_versions: int = 0


def coverage(tokens: list[str], present: set[str]) -> float:
    """Share of the query (by characters, so short function words weigh little) found in ``present``."""
    total = sum(len(t) for t in tokens)
    if not total:
        return 0.0
    return sum(len(t) for t in tokens if t in present) / total


def phrase_share(parts: list[str], text_norm: str) -> float:
    if not parts:
        return 0.0
    return sum(1 for p in parts if p in text_norm) / len(parts)


def score_entries(entries: list[EntryCandidate], q: str, tokens: list[str], doc_number: str,
                  max_db_rank: float) -> list[EntryCandidate]:
    """Scores ``entries`` in place; returns those that match well enough, best first, versions folded."""
    q_norm = normalize(q)
    parts = [normalize(p) for p in q.split() if len(normalize(p)) >= 2] or ([q_norm] if q_norm else [])
    # Tokens that occur in no candidate at all (typos, stray syntax) do not count against coverage.
    seen: set[str] = set()
    for entry in entries:
        seen.update(entry.title_tokens.split())
        for passage in entry.passages:
            seen.update(passage.tokens.split())
    tokens = [t for t in tokens if t in seen] or tokens
    kept: list[EntryCandidate] = []
    for entry in entries:
        title_norm = normalize(entry.title)
        title_cov = coverage(tokens, set(entry.title_tokens.split()))
        number = 1.0 if doc_number and entry.doc_number_key == doc_number else 0.0
        equal = 1.0 if q_norm and title_norm == q_norm else 0.0
        contains = phrase_share(parts, title_norm)
        tight = contains * min(1.0, len(q_norm) / len(title_norm)) if title_norm else 0.0
        best_value = 0.0
        best_phrase = 0.0
        best_cov = 0.0
        for passage in entry.passages:
            phrase = phrase_share(parts, passage.norm or normalize(passage.text))
            cov = coverage(tokens, set(passage.tokens.split()))
            rank = passage.db_rank / max_db_rank if max_db_rank > 0 else 0.0
            value = W_PHRASE * phrase + W_PASSAGE_COVERAGE * cov**2 + W_DB_RANK * rank
            if entry.best is None or value > best_value:
                entry.best, best_value, best_phrase, best_cov = passage, value, phrase, cov
        if not (number or contains or best_phrase or max(title_cov, best_cov) >= MIN_COVERAGE):
            continue
        entry.score = (W_DOC_NUMBER * number + W_TITLE_EQUAL * equal + W_TITLE_CONTAINS * contains + W_TITLE_TIGHT * tight
                       + W_TITLE_COVERAGE * title_cov**2 + best_value
                       + (W_CURRENT if entry.validity in ("", "current") else 0.0))
        kept.append(entry)
    kept.sort(key=lambda e: (-e.score, -e.issue_date_ordinal, e.id))
    folded: dict[str, EntryCandidate] = {}
    for entry in kept:
        first = folded.get(entry.title_key)
        if first is None:
            folded[entry.title_key] = entry
        else:
            first.other_versions += 1
    return list(folded.values())
