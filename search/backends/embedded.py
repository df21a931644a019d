"""The embedded backend: the project's own database (SQLite FTS5 or PostgreSQL full text) over text
segmented by jieba, with the ranking of ``ranking.py``. Used whenever ``ELASTICSEARCH_URL`` is unset."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from ..core import FacetValue, SearchDocument, SearchHit, SearchQuery, SearchResults, Viewer
from ..models import SearchAllowedPath, SearchEntry, SearchPassage
from ..query import QueryPlan, understand, version_date
from ..text import doc_number_key, find_doc_number, normalize, query_needles, query_tokens, segmented, snippet
from ..text import highlight as highlight_text
from .ranking import (
    FACET_FIELDS,
    W_PASSAGE_COVERAGE,
    EntryCandidate,
    PassageCandidate,
    Unit,
    count_facets,
    current_ids,
    query_units,
    representative,
    score_entries,
)

PASSAGE_CANDIDATES = 200
# Candidate passages are fetched with the query's rarer tokens only: a token found in more than this
# share of all passages (国家, 规定, 负责…) adds thousands of rows to rank and no recall, because the
# passage a member remembers holds the rare tokens too. Coverage and ranking still use every token.
COMMON_SHARE = 0.05
MIN_RETRIEVAL_TOKENS = 2
TITLE_CANDIDATES = 100


def title_key(doc: SearchDocument) -> str:
    """Versions of one policy document share their title; courses and lessons are never folded."""
    return f"document:{normalize(doc.title)}"[:500] if doc.content_type == "document" else doc.key


def visible_entries(viewer: Viewer) -> QuerySet[SearchEntry]:
    qs = SearchEntry.objects.filter(live=True)
    if viewer.sees_everything:
        return qs
    allowed = SearchAllowedPath.objects.filter(path__in=list(viewer.paths)).values("entry_id")
    return qs.filter(Q(restricted=False) | Q(pk__in=allowed))


def filtered_entries(query: SearchQuery, viewer: Viewer) -> QuerySet[SearchEntry]:
    qs = visible_entries(viewer)
    if query.category:
        qs = qs.filter(category=query.category)
    if query.issuer:
        qs = qs.filter(issuer=query.issuer)
    if query.validity:
        qs = qs.filter(validity=query.validity)
    if query.content_type:
        qs = qs.filter(content_type=query.content_type)
    if query.year_from:
        qs = qs.filter(year__gte=query.year_from)
    if query.year_to:
        qs = qs.filter(year__lte=query.year_to)
    return qs


class EmbeddedBackend:
    name = "embedded"

    # --- indexing -------------------------------------------------------------------------------
    def index(self, docs: Iterable[SearchDocument]) -> int:
        written = 0
        for doc in docs:
            with transaction.atomic():
                SearchEntry.objects.filter(key=doc.key).delete()
                self._insert(doc)
            written += 1
        return written

    def _insert(self, doc: SearchDocument) -> None:
        entry = SearchEntry.objects.create(
            key=doc.key, page_id=doc.page_id, content_type=doc.content_type, title=doc.title[:500],
            title_tokens=segmented(f"{doc.title} {doc.doc_number}"), title_key=title_key(doc),
            doc_number=doc.doc_number[:100], doc_number_key=doc_number_key(doc.doc_number)[:100],
            category=doc.category[:100], issuer=doc.issuer[:200], issue_date=doc.issue_date,
            effective_date=doc.effective_date, year=doc.year, validity=doc.validity, url=doc.url[:500],
            version=doc.version[:50], version_date=version_date(doc),
            summary=doc.summary, live=doc.live, restricted=bool(doc.visibility), updated_at=doc.updated_at,
        )
        SearchAllowedPath.objects.bulk_create(
            [SearchAllowedPath(entry=entry, path=path) for path in sorted(set(doc.visibility))]
        )
        passages = doc.passages or []
        rows = [
            SearchPassage(entry=entry, position=i, label=p.label[:100], chapter=p.chapter[:200], anchor=p.anchor[:100],
                          text=p.text, norm=normalize(p.text), tokens=segmented(f"{p.label} {p.text}"))
            for i, p in enumerate(passages)
        ]
        if not rows and doc.summary:
            rows = [SearchPassage(entry=entry, position=0, text=doc.summary, norm=normalize(doc.summary),
                                  tokens=segmented(doc.summary))]
        SearchPassage.objects.bulk_create(rows, batch_size=200)

    def remove(self, keys: Iterable[str]) -> int:
        _total, detail = SearchEntry.objects.filter(key__in=list(keys)).delete()
        return int(detail.get("search.SearchEntry", 0))

    @transaction.atomic
    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """One transaction: readers see the old index until the new one is committed."""
        SearchEntry.objects.all().delete()
        count = 0
        for doc in docs:
            self._insert(doc)
            count += 1
        return count

    def indexed_versions(self) -> dict[str, dt.datetime | None]:
        return dict(SearchEntry.objects.values_list("key", "updated_at"))

    # --- searching ------------------------------------------------------------------------------
    def search(self, query: SearchQuery, viewer: Viewer) -> SearchResults:
        scope = filtered_entries(query, viewer)
        if not query.q:
            return self._browse(query, scope)
        plan = understand(query.q)
        tokens = query_tokens(plan.text) if normalize(plan.text) else []
        units = query_units(plan, tokens, query_tokens)
        retrieval = list(dict.fromkeys([*tokens, *(t for u in units for alt in u.alternatives for t in alt)]))
        doc_number = find_doc_number(query.q) or doc_number_key(query.q)
        if not retrieval and plan.article is None and not plan.titles:
            return SearchResults(query=query, hits=[], total=0,
                                 message=_("Type words to search for; punctuation alone finds nothing."))
        candidates = self._candidates(scope, retrieval, doc_number, plan)
        max_rank = max((p.db_rank for e in candidates for p in e.passages), default=0.0)
        scored = score_entries(candidates, plan, tokens, units, doc_number, max_rank)
        ranked = self._fold(scored, scope, plan, bool(query.validity), retrieval, units, tokens, doc_number, max_rank)
        if query.order == "date":
            ranked.sort(key=lambda e: (-e.issue_date_ordinal, -e.score))
        facets = _count_facets(ranked)
        page = ranked[query.offset: query.offset + query.page_size]
        needles = [plan.text, *plan.alias_terms, *plan.expansions] if normalize(plan.text) else [*plan.alias_terms]
        return SearchResults(query=query, hits=self._hits(page, " ".join(needles), tokens), total=len(ranked),
                             facets=facets)

    def _fold(self, scored: list[EntryCandidate], scope: QuerySet[SearchEntry], plan: QueryPlan, filtered: bool,
              retrieval: list[str], units: list[Unit], tokens: list[str], doc_number: str,
              max_rank: float) -> list[EntryCandidate]:
        """One hit per title: the version ``ranking.representative`` picks, with the best score of all versions."""
        keys = {e.title_key for e in scored if e.content_type == "document"}
        members: dict[str, list[EntryCandidate]] = {}
        for cand in _entry_candidates(scope.filter(title_key__in=keys), {}):
            members.setdefault(cand.title_key, []).append(cand)
        by_id = {e.id: e for e in scored}
        folded: list[EntryCandidate] = []
        missing: list[EntryCandidate] = []
        done: set[str] = set()
        for entry in scored:
            if entry.title_key in done:
                continue
            done.add(entry.title_key)
            group = members.get(entry.title_key, [entry])
            current = current_ids(group)
            rep = entry if filtered else representative(group, plan, filtered)
            matched = rep.id in by_id
            rep = by_id.get(rep.id, rep)
            if rep is not entry:
                rep.score = entry.score
                if not matched:  # only an older text matched: the current one is ranked on its own text
                    missing.append(rep)
            rep.other_versions = len(group) - 1
            rep.current = rep.id in current
            folded.append(rep)
        if missing:
            self._fill_passages(missing, plan, retrieval, units, tokens, doc_number, max_rank)
            folded.sort(key=lambda e: (-e.score, -e.issue_date_ordinal, e.id))
        return folded

    def _fill_passages(self, entries: list[EntryCandidate], plan: QueryPlan, retrieval: list[str], units: list[Unit],
                       tokens: list[str], doc_number: str, max_rank: float) -> None:
        """The best passage of versions shown in place of a better-matching one (their own article)."""
        ids = [e.id for e in entries]
        rows = SearchEntry.objects.filter(pk__in=ids).values("id")
        sql, params = rows.query.sql_with_params()
        passages = _passage_matches(retrieval, sql, list(params), 40 * len(ids)) if retrieval else []
        passages += _article_passages(plan, rows)
        for entry in entries:
            entry.passages = [p for p in passages if p.entry_id == entry.id]
            older = entry.score
            if not score_entries([entry], plan, tokens, units, doc_number, max_rank or 1.0):
                entry.score = min(older, W_PASSAGE_COVERAGE)  # its own text hardly matches: far down the list

    def _browse(self, query: SearchQuery, scope: QuerySet[SearchEntry]) -> SearchResults:
        total = scope.count()
        rows = list(scope.order_by(F("issue_date").desc(nulls_last=True), "title", "pk")[query.offset: query.offset + query.page_size])
        first = {p.entry_id: p for p in SearchPassage.objects.filter(entry__in=rows, position=0)}
        hits = [self._hit(entry, first.get(entry.pk), "", [], 0.0, 0) for entry in rows]
        return SearchResults(query=query, hits=hits, total=total, facets=self._facets(scope))

    def _candidates(self, scope: QuerySet[SearchEntry], tokens: list[str], doc_number: str,
                    plan: QueryPlan) -> list[EntryCandidate]:
        scope_sql, scope_params = scope.values("id").query.sql_with_params()
        passage_rows = _passage_matches(tokens, scope_sql, list(scope_params), PASSAGE_CANDIDATES) if tokens else []
        title_ids = _title_matches(tokens, scope_sql, list(scope_params), TITLE_CANDIDATES) if tokens else []
        number_ids: list[int] = []
        if doc_number:
            number_ids = list(scope.filter(doc_number_key=doc_number).values_list("id", flat=True))
        alias_ids: list[int] = []
        if plan.titles:
            keys = [f"document:{t}"[:500] for t in plan.titles]
            alias_ids = list(scope.filter(title_key__in=keys).values_list("id", flat=True))
        known = {p.id for p in passage_rows}
        passage_rows.extend(p for p in _article_passages(plan, scope.values("id")) if p.id not in known)
        by_passage: dict[int, list[PassageCandidate]] = {}
        for passage in passage_rows:
            by_passage.setdefault(passage.entry_id, []).append(passage)
        ids = set(by_passage) | set(title_ids) | set(number_ids) | set(alias_ids)
        return _entry_candidates(SearchEntry.objects.filter(pk__in=ids), by_passage)

    def _facets(self, qs: QuerySet[SearchEntry]) -> dict[str, list[FacetValue]]:
        facets: dict[str, list[FacetValue]] = {}
        for name in FACET_FIELDS:
            counts: Counter[str] = Counter()
            for row in qs.values(name).annotate(n=Count("id")).order_by():
                if row[name] not in (None, ""):
                    counts[str(row[name])] += row["n"]
            ordered = sorted(counts.items(), key=lambda kv: (-int(kv[0]), 0) if name == "year" else (-kv[1], kv[0]))
            facets[name] = [FacetValue(value=v, count=n) for v, n in ordered[:30]]
        return facets

    def _hits(self, ranked: list[EntryCandidate], q: str, tokens: list[str]) -> list[SearchHit]:
        entries = SearchEntry.objects.in_bulk([e.id for e in ranked])
        missing = [e.id for e in ranked if e.best is None]
        first = {p.entry_id: p for p in SearchPassage.objects.filter(entry_id__in=missing, position=0)}
        hits = []
        for cand in ranked:
            entry = entries[cand.id]
            passage: Any = cand.best or first.get(cand.id)
            hit = self._hit(entry, passage, q, tokens, cand.score, cand.other_versions)
            hit.current_version = cand.current
            hits.append(hit)
        return hits

    @staticmethod
    def _hit(entry: SearchEntry, passage: Any, q: str, tokens: list[str], score: float, versions: int) -> SearchHit:
        needles = query_needles(q, tokens) if q else []
        text = passage.text if passage is not None else entry.summary
        return SearchHit(
            key=entry.key, content_type=entry.content_type, title=entry.title, url=entry.url,
            title_html=highlight_text(entry.title, needles), snippet_html=snippet(text, needles),
            article_label=passage.label if passage is not None else "",
            chapter=passage.chapter if passage is not None else "",
            anchor=passage.anchor if passage is not None else "",
            doc_number=entry.doc_number, category=entry.category, issuer=entry.issuer, issue_date=entry.issue_date,
            validity=entry.validity, score=round(score, 3), other_versions=versions, version=entry.version,
        )


def _count_facets(entries: list[EntryCandidate]) -> dict[str, list[FacetValue]]:
    return count_facets(e.facets for e in entries)


def _entry_candidates(qs: QuerySet[SearchEntry], passages: dict[int, list[PassageCandidate]]) -> list[EntryCandidate]:
    rows = qs.values("id", "title", "title_tokens", "title_key", "doc_number_key", "issue_date", "version",
                     "version_date", *FACET_FIELDS)
    return [
        EntryCandidate(id=e["id"], title=e["title"], title_tokens=e["title_tokens"], title_key=e["title_key"],
                       doc_number_key=e["doc_number_key"], validity=e["validity"],
                       issue_date_ordinal=e["issue_date"].toordinal() if e["issue_date"] else 0,
                       category=e["category"], content_type=e["content_type"], version=e["version"],
                       version_date=e["version_date"], passages=passages.get(e["id"], []),
                       facets={name: e[name] for name in FACET_FIELDS})
        for e in rows
    ]


def _article_passages(plan: QueryPlan, entry_ids: QuerySet[Any]) -> list[PassageCandidate]:
    """The passages of the article (第十二条) or the first of the chapter (第三章) the query names."""
    if plan.article is None:
        return []
    label = plan.article.label
    qs = SearchPassage.objects.filter(entry_id__in=entry_ids)
    if plan.article.kind == "条":
        qs = qs.filter(label=label)
    else:
        qs = qs.filter(Q(label__startswith=label) | Q(chapter__startswith=label))
    first: dict[int, PassageCandidate] = {}
    for p in qs.order_by("entry_id", "position").values("id", "entry_id", "norm", "tokens", "label", "chapter",
                                                           "anchor", "text")[:2000]:
        if p["entry_id"] in first:
            continue
        label, anchor = p["label"], p["anchor"]
        if plan.article.kind == "章" and not label.startswith(plan.article.label):
            # The chapter has no text of its own before its first article: show the chapter, link its heading.
            label, anchor = p["chapter"], f"ch-{plan.article.number}"
        first[p["entry_id"]] = PassageCandidate(id=p["id"], entry_id=p["entry_id"], db_rank=0.0, norm=p["norm"],
                                                tokens=p["tokens"], label=label, chapter=p["chapter"],
                                                anchor=anchor, text=p["text"])
    return list(first.values())


def fts5_match(tokens: list[str]) -> str:
    """An FTS5 MATCH expression that ORs the tokens, each a quoted string: no operator, column filter,
    prefix star or parenthesis a user types can ever reach FTS5's query parser."""
    return " OR ".join('"' + token.replace('"', '""') + '"' for token in tokens)


def retrieval_tokens(tokens: list[str], frequency: dict[str, int], total: int) -> list[str]:
    """The tokens to fetch candidates with: those not in more than COMMON_SHARE of the passages, or the
    MIN_RETRIEVAL_TOKENS rarest when all are common. Tokens found nowhere are dropped (they match nothing)."""
    present = sorted((t for t in tokens if frequency.get(t, 0) > 0), key=lambda t: frequency[t])
    if not present:
        return tokens
    limit = max(50, int(total * COMMON_SHARE))
    rare = [t for t in present if frequency[t] <= limit]
    return rare if len(rare) >= MIN_RETRIEVAL_TOKENS else present[:MIN_RETRIEVAL_TOKENS]


def _sqlite_frequencies(cursor: Any, tokens: list[str]) -> tuple[dict[str, int], int]:
    marks = ", ".join(["%s"] * len(tokens))
    cursor.execute(f"SELECT term, doc FROM search_passage_vocab WHERE term IN ({marks})", tokens)  # noqa: S608
    frequency = {str(term): int(doc) for term, doc in cursor.fetchall()}
    cursor.execute("SELECT count(*) FROM search_searchpassage")
    return frequency, int(cursor.fetchone()[0])


def _passage_matches(tokens: list[str], scope_sql: str, scope_params: list[Any], limit: int) -> list[PassageCandidate]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            tokens = retrieval_tokens(tokens, *_sqlite_frequencies(cursor, tokens))
            cursor.execute(
                "SELECT p.id, p.entry_id, -bm25(search_passage_fts) AS rank, p.norm, p.tokens, p.label, p.chapter, "  # noqa: S608 - ORM-built scope, placeholders
                "p.anchor, p.text FROM search_passage_fts "
                "JOIN search_searchpassage p ON p.id = search_passage_fts.rowid "
                f"WHERE search_passage_fts MATCH %s AND p.entry_id IN ({scope_sql}) "
                "ORDER BY bm25(search_passage_fts) LIMIT %s",
                [fts5_match(tokens), *scope_params, limit],
            )
        else:
            tsquery = " || ".join(["plainto_tsquery('simple', %s)"] * len(tokens))
            cursor.execute(
                "SELECT p.id, p.entry_id, ts_rank(to_tsvector('simple'::regconfig, p.tokens), q.query) AS rank, "  # noqa: S608 - ORM-built scope, placeholders
                "p.norm, p.tokens, p.label, p.chapter, p.anchor, p.text "
                f"FROM search_searchpassage p, (SELECT ({tsquery}) AS query) q "
                "WHERE to_tsvector('simple'::regconfig, p.tokens) @@ q.query "
                f"AND p.entry_id IN ({scope_sql}) ORDER BY rank DESC, p.id LIMIT %s",
                [*tokens, *scope_params, limit],
            )
        return [PassageCandidate(id=int(row[0]), entry_id=int(row[1]), db_rank=float(row[2]), norm=row[3], tokens=row[4],
                                 label=row[5], chapter=row[6], anchor=row[7], text=row[8])
                for row in cursor.fetchall()]


def _title_matches(tokens: list[str], scope_sql: str, scope_params: list[Any], limit: int) -> list[int]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT e.id FROM search_title_fts JOIN search_searchentry e ON e.id = search_title_fts.rowid "  # noqa: S608 - ORM-built scope, placeholders
                f"WHERE search_title_fts MATCH %s AND e.id IN ({scope_sql}) "
                "ORDER BY bm25(search_title_fts) LIMIT %s",
                [fts5_match(tokens), *scope_params, limit],
            )
        else:
            tsquery = " || ".join(["plainto_tsquery('simple', %s)"] * len(tokens))
            cursor.execute(
                "SELECT e.id FROM search_searchentry e, "  # noqa: S608 - ORM-built scope, placeholders
                f"(SELECT ({tsquery}) AS query) q "
                "WHERE to_tsvector('simple'::regconfig, e.title_tokens) @@ q.query "
                f"AND e.id IN ({scope_sql}) "
                "ORDER BY ts_rank(to_tsvector('simple'::regconfig, e.title_tokens), q.query) DESC, e.id LIMIT %s",
                [*tokens, *scope_params, limit],
            )
        return [int(row[0]) for row in cursor.fetchall()]
