"""The request bodies the Elasticsearch backend sends, and the reading of its answers. Pure functions,
so tests check them without a server. User input only ever reaches ``match``/``match_phrase``/``term``
queries, never ``query_string``: Elasticsearch query syntax typed by a member stays plain text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.html import escape
from elasticsearch_dsl import Q, Search

from ...core import FacetValue, SearchHit, SearchQuery, SearchResults, Viewer
from ...text import doc_number_key, find_doc_number

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


def text_query(q: str) -> Any:
    number = find_doc_number(q) or doc_number_key(q)
    passage = Q("bool", should=[
        Q("match", passages__text={"query": q, "minimum_should_match": "60%"}),
        Q("match_phrase", passages__text={"query": q, "slop": 2, "boost": 5}),
    ])
    should = [
        Q("term", doc_number_key={"value": number, "boost": 1000}),
        Q("match_phrase", title={"query": q, "boost": 30}),
        Q("multi_match", query=q, fields=["title^10", "doc_number.text^5", "issuer.text", "summary"],
          type="best_fields", minimum_should_match="60%"),
        Q("nested", path="passages", score_mode="max", query=passage, inner_hits={
            "size": 1, "_source": ["passages.label", "passages.chapter", "passages.anchor"],
            "highlight": {**HIGHLIGHT, "fields": {"passages.text": {"fragment_size": 120, "number_of_fragments": 1}}},
        }),
    ]
    return Q("bool", should=should, minimum_should_match=1)


def build_search(query: SearchQuery, viewer: Viewer, indices: list[str]) -> Search:
    s = Search(index=indices)
    if query.q:
        s = s.query(Q("bool", must=[text_query(query.q)], filter=filters(query, viewer)))
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
        ))
    aggs = body.get("aggregations", {})
    facets = {name: [FacetValue(value=str(b["key"]), count=int(b["doc_count"])) for b in aggs.get(name, {}).get("buckets", [])]
              for name in FACETS}
    total = int(aggs.get("groups", {}).get("value", body.get("hits", {}).get("total", {}).get("value", 0)))
    return SearchResults(query=query, hits=hits, total=total, facets=facets)
