"""The request bodies the Elasticsearch backend sends, and the reading of its answers. Pure functions,
so tests check them without a server. User input only ever reaches ``match``/``match_phrase``/``term``
queries, never ``query_string``: Elasticsearch query syntax typed by a member stays plain text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.html import escape
from elasticsearch_dsl import Q, Search

from ...core import FacetValue, SearchHit, SearchQuery, SearchResults, Viewer
from ...query import QueryPlan, file_lexicon, understand
from ...text import doc_number_key, find_doc_number, normalize
from ..ranking import STANDING, W_PARTY, W_STANDING, W_STANDING_PRIOR

MAX_WINDOW = 10_000  # Elasticsearch's index.max_result_window
HIGHLIGHT = {"pre_tags": ["<mark>"], "post_tags": ["</mark>"], "encoder": "html"}
FACETS = {"category": "category", "issuer": "issuer", "year": "year", "validity": "validity",
          "content_type": "content_type"}


def filters(query: SearchQuery, viewer: Viewer) -> list[Any]:
    out: list[Any] = [Q("term", live=True)]
    if not viewer.sees_everything:
        out.append(Q("bool", should=[Q("term", restricted=False), Q("terms", visibility=list(viewer.paths))],
                     minimum_should_match=1))
    for field, value in (("category", query.category), ("issuer", query.issuer), ("validity", query.validity),
                         ("content_type", query.content_type)):
        if value:
            out.append(Q("term", **{field: value}))
    if query.year_from or query.year_to:
        bounds = {k: v for k, v in (("gte", query.year_from), ("lte", query.year_to)) if v}
        out.append(Q("range", year=bounds))
    return out


def text_query(q: str, plan: QueryPlan | None = None) -> Any:
    """The same signals as the embedded ranking (search/backends/ranking.py), as boosts: document number, title
    phrase, alias titles, the named article or chapter, phrases and words in articles (and the wordings synonyms
    stand for), party documents and the standing of their kind for party queries, the current version (or the
    version of the year the query names) so that the collapse on the title shows it."""
    plan = plan or understand(q, file_lexicon())
    text = plan.text if normalize(plan.text) else ""
    number = find_doc_number(q) or doc_number_key(q)
    passage_should: list[Any] = []
    if text:
        passage_should += [
            Q("match", passages__text={"query": text, "minimum_should_match": "60%"}),
            Q("match_phrase", **{"passages.text.phrase": {"query": text, "slop": 2, "boost": 5}}),
        ]
    passage_should += [Q("match", passages__text={"query": alt, "boost": 2}) for alt in plan.expansions]
    if plan.article is not None:
        label = plan.article.label
        article = Q("term", passages__label={"value": label, "boost": 300}) if plan.article.kind == "条" else \
            Q("match_phrase_prefix", passages__chapter={"query": label, "boost": 300})
        passage_should.append(article)
    should: list[Any] = [
        Q("term", doc_number_key={"value": number, "boost": 1000}),
        Q("match_phrase", **{"title.phrase": {"query": text or q, "boost": 30}}),
        Q("multi_match", query=text or q, fields=["title^10", "doc_number.text^5", "issuer.text", "summary"],
          type="best_fields", minimum_should_match="60%"),
        Q("nested", path="passages", score_mode="max", query=Q("bool", should=passage_should), inner_hits={
            "size": 1, "_source": ["passages.label", "passages.chapter", "passages.anchor"],
            "highlight": {**HIGHLIGHT, "fields": {"passages.text": {"fragment_size": 120, "number_of_fragments": 1}}},
        }),
    ]
    if plan.titles:
        should.append(Q("terms", title_key=[f"document:{t}" for t in plan.titles], boost=220))
    return Q("bool", should=should, minimum_should_match=1)


def ranking_boosts(plan: QueryPlan) -> list[Any]:
    """Optional clauses that order without matching: party documents and their standing, the current version."""
    boosts: list[Any] = []
    for category, standing in STANDING.items():
        weight = (W_PARTY + W_STANDING * standing) if plan.party else W_STANDING_PRIOR * standing
        boosts.append(Q("term", category={"value": category, "boost": round(weight, 2)}))
    if plan.year is not None:
        boosts.append(Q("term", version_year={"value": plan.year, "boost": 500}))
    else:
        boosts.append(Q("term", validity={"value": "current", "boost": 50}))
    return boosts


def build_search(query: SearchQuery, viewer: Viewer, indices: list[str], plan: QueryPlan | None = None) -> Search:
    s = Search(index=indices)
    if query.q:
        plan = plan or understand(query.q, file_lexicon())
        s = s.query(Q("bool", must=[text_query(query.q, plan)], should=ranking_boosts(plan),
                      filter=filters(query, viewer)))
    else:
        s = s.query(Q("bool", filter=filters(query, viewer)))
    if query.order == "date" or not query.q:
        s = s.sort({"issue_date": {"order": "desc", "missing": "_last"}}, "_score", {"key": "asc"})
    s = s.source(excludes=["passages"])
    s = s.highlight_options(**HIGHLIGHT).highlight("title", number_of_fragments=0)
    s = s.extra(collapse={"field": "title_key", "inner_hits": {"name": "versions", "size": 0}},
                track_total_hits=True)
    s.aggs.metric("groups", "cardinality", field="title_key")
    for name, field in FACETS.items():
        s.aggs.bucket(name, "terms", field=field, size=30)
    start = min(query.offset, MAX_WINDOW)
    return s[start: min(start + query.page_size, MAX_WINDOW)]


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    return dt.date.fromisoformat(str(value)[:10])


def read_response(query: SearchQuery, body: dict[str, Any]) -> SearchResults:
    hits: list[SearchHit] = []
    for raw in body.get("hits", {}).get("hits", []):
        src = raw.get("_source", {})
        title_hl = raw.get("highlight", {}).get("title")
        inner = raw.get("inner_hits", {}).get("passages", {}).get("hits", {}).get("hits", [])
        passage = inner[0] if inner else {}
        psrc = passage.get("_source", {})
        snippet = (passage.get("highlight", {}).get("passages.text") or [""])[0] or escape(src.get("summary", "")[:120])
        versions = raw.get("inner_hits", {}).get("versions", {}).get("hits", {}).get("total", {}).get("value", 1)
        hits.append(SearchHit(
            key=src.get("key", raw.get("_id", "")), content_type=src.get("content_type", ""), title=src.get("title", ""),
            url=src.get("url", ""), title_html=title_hl[0] if title_hl else escape(src.get("title", "")),
            snippet_html=snippet, article_label=psrc.get("label", ""), chapter=psrc.get("chapter", ""),
            anchor=psrc.get("anchor", ""), doc_number=src.get("doc_number", ""), category=src.get("category", ""),
            issuer=src.get("issuer", ""), issue_date=_date(src.get("issue_date")), validity=src.get("validity", ""),
            score=float(raw.get("_score") or 0.0), other_versions=max(0, int(versions) - 1),
            version=src.get("version", "") or "", current_version=src.get("validity", "current") in ("", "current"),
        ))
    aggs = body.get("aggregations", {})
    facets = {name: [FacetValue(value=str(b["key"]), count=int(b["doc_count"])) for b in aggs.get(name, {}).get("buckets", [])]
              for name in FACETS}
    total = int(aggs.get("groups", {}).get("value", body.get("hits", {}).get("total", {}).get("value", 0)))
    return SearchResults(query=query, hits=hits, total=total, facets=facets)
