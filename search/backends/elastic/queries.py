"""The request bodies the Elasticsearch backend sends, and the reading of its answers. Pure functions,
so tests check them without a server. User input only ever reaches ``match``/``match_phrase``/``term``
queries, never ``query_string``: Elasticsearch query syntax typed by a member stays plain text."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.html import escape
from elasticsearch_dsl import Q, Search

from ...core import FacetValue, SearchHit, SearchQuery, SearchResults, Viewer
from ...query import QueryPlan, file_lexicon, understand
from ...text import doc_number_key, find_doc_number, normalize, query_needles, query_tokens, snippet
from ..ranking import STANDING, W_PARTY, W_STANDING, W_STANDING_PRIOR, count_facets

MAX_WINDOW = 10_000  # Elasticsearch's index.max_result_window
HIGHLIGHT = {"pre_tags": ["<mark>"], "post_tags": ["</mark>"], "encoder": "html"}
FACETS = {"category": "category", "issuer": "issuer", "year": "year", "validity": "validity",
          "content_type": "content_type"}
HAN = re.compile(r"[\u3400-\u9fff]+")
# Which version of a title is its current one (as ranking.py ``version_order``): in force first, then the latest
# version date. Courses have no versions: unmapped_type keeps the sort valid on their index.
CURRENT_FIRST = [{"version_order": {"order": "desc", "missing": "_last", "unmapped_type": "long"}}]
# Titles with more than one version in the viewer's scope, and matched titles, counted per request: beyond
# these many the version counts and facets cover the first ones only (the total stays exact, see "groups").
VERSION_GROUPS = 10_000
MATCHED_GROUPS = 10_000


def words_of(text: str) -> str:
    """The Chinese words of a query without stray tokens (``廉洁 OR 1=1`` -> ``廉洁``), so that the 60 %
    minimum-should-match is not defeated by tokens no document has (the embedded backend drops them too)."""
    return " ".join(HAN.findall(text))


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
    words = words_of(text)
    if text:
        passage_should += [
            Q("match", passages__text={"query": text, "minimum_should_match": "60%"}),
            *([Q("match", passages__text={"query": words, "minimum_should_match": "60%"})] if words and words != text
              else []),
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
        *([Q("multi_match", query=words, fields=["title^10", "issuer.text", "summary"], type="best_fields",
             minimum_should_match="60%")] if words and words != (text or q) else []),
        Q("nested", path="passages", score_mode="max", query=Q("bool", should=passage_should), inner_hits={
            "size": 1, "_source": ["passages.label", "passages.chapter", "passages.anchor"],
            "highlight": {**HIGHLIGHT, "fields": {"passages.text": {"fragment_size": 120, "number_of_fragments": 1}}},
        }),
    ]
    if len(normalize(text)) == 1:  # one character: cjk bigrams have no token for it; titles containing it
        should.append(Q("match", **{"title.chars": {"query": text, "boost": 10}}))
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
    if query.q:
        # One hit per title (collapse without inner_hits: those cost the cluster one more search per hit), ranked
        # by its best version. Which version it shows and how many versions it has come from aggregations of
        # the same request, computed as the embedded backend does (search/backends/embedded.py ``_fold``):
        # - "versions": every title with two or more versions in the viewer's scope (matching or not), its
        #   version count and current version (and the version of the year the query names);
        # - "matched": every matched title once, with its best-scoring version (the one shown under a validity
        #   filter), so that facets count each title once by the version the list shows.
        s = s.extra(collapse={"field": "title_key"})
        s.aggs.metric("groups", "cardinality", field="title_key", precision_threshold=40_000)
        titles = s.aggs.bucket("versions", "global").bucket("scope", "filter", filter=Q("bool", filter=filters(
            query, viewer))).bucket("titles", "terms", field="title_key", min_doc_count=2, size=VERSION_GROUPS)
        titles.metric("current", "top_hits", size=1, sort=CURRENT_FIRST, _source={"excludes": ["passages"]})
        if plan is not None and plan.year is not None:
            titles.bucket("named", "filter", filter=Q("term", version_year=plan.year)).metric(
                "top", "top_hits", size=1, sort=CURRENT_FIRST, _source={"excludes": ["passages"]})
        s.aggs.bucket("matched", "terms", field="title_key", size=MATCHED_GROUPS).metric(
            "top", "top_hits", size=1, sort=["_score", *CURRENT_FIRST], _source={"includes": ["key", *FACETS]})
    else:
        # Browsing is not folded (as the embedded backend): facets count every entry, no empty values, years
        # newest first, the rest by count.
        facets = s.aggs.bucket("facets", "filter", filter=Q("match_all"))
        for name, field in FACETS.items():
            order_by = {"_key": "desc"} if name == "year" else [{"_count": "desc"}, {"_key": "asc"}]
            extra = {} if name == "year" else {"exclude": [""]}
            facets.bucket(name, "terms", field=field, size=30, order=order_by, **extra)
    s = s.extra(track_total_hits=True)
    start = min(query.offset, MAX_WINDOW)
    return s[start: min(start + query.page_size, MAX_WINDOW)]


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    return dt.date.fromisoformat(str(value)[:10])


def _first(agg: dict[str, Any]) -> dict[str, Any] | None:
    hits = agg.get("hits", {}).get("hits", [])
    return hits[0] if hits else None


def _shown(query: SearchQuery, own: dict[str, Any], group: dict[str, Any] | None) -> tuple[dict[str, Any], int, bool]:
    """The version a title's hit shows (as ranking.py ``representative``), its number of versions and whether
    it is the current one. ``own``: the title's best-matching version; ``group``: its "versions" bucket, when
    it has more than one version in scope."""
    if group is None:
        return own, 1, True
    current = _first(group.get("current", {})) or own
    named = _first(group.get("named", {}).get("top", {}))
    shown = own if query.validity else named or current
    is_current = shown.get("_id") == current.get("_id")
    return own if shown.get("_id") == own.get("_id") else shown, int(group.get("doc_count", 1)), is_current


def read_response(query: SearchQuery, body: dict[str, Any]) -> SearchResults:
    needles = query_needles(query.q, query_tokens(query.q)) if query.q else []
    aggs = body.get("aggregations", {})
    groups = {b["key"]: b for b in aggs.get("versions", {}).get("scope", {}).get("titles", {}).get("buckets", [])}
    hits: list[SearchHit] = []
    for raw in body.get("hits", {}).get("hits", []):
        shown, count, current = _shown(query, raw, groups.get(raw.get("_source", {}).get("title_key", "")))
        same = shown.get("_id", raw.get("_id")) == raw.get("_id")
        src = shown.get("_source", {}) or raw.get("_source", {})
        title_hl = raw.get("highlight", {}).get("title") if same else None
        inner = raw.get("inner_hits", {}).get("passages", {}).get("hits", {}).get("hits", []) if same else []
        passage = inner[0] if inner else {}
        psrc = passage.get("_source", {})
        snippet_html = (passage.get("highlight", {}).get("passages.text") or [""])[0] or \
            snippet(src.get("summary", "") or src.get("lead", ""), needles)
        hits.append(SearchHit(
            key=src.get("key", shown.get("_id", "")), content_type=src.get("content_type", ""),
            title=src.get("title", ""), url=src.get("url", ""),
            title_html=title_hl[0] if title_hl else escape(src.get("title", "")),
            snippet_html=snippet_html, article_label=psrc.get("label", ""), chapter=psrc.get("chapter", ""),
            anchor=psrc.get("anchor", ""), doc_number=src.get("doc_number", ""), category=src.get("category", ""),
            issuer=src.get("issuer", ""), issue_date=_date(src.get("issue_date")), validity=src.get("validity", ""),
            score=float(raw.get("_score") or 0.0), other_versions=max(0, count - 1),
            version=src.get("version", "") or "", current_version=current,
        ))
    if "matched" in aggs:  # a query: each matched title once, by the version its hit shows
        rows = []
        for bucket in aggs["matched"].get("buckets", []):
            own = _first(bucket.get("top", {})) or {}
            shown, _count, _current = _shown(query, own, groups.get(bucket["key"]))
            rows.append(shown.get("_source", {}))
        facets = count_facets(rows)
    else:
        buckets = aggs.get("facets", aggs)
        facets = {name: [FacetValue(value=str(b["key"]), count=int(b["doc_count"]))
                         for b in buckets.get(name, {}).get("buckets", []) if str(b["key"]) != ""]
                  for name in FACETS}
    hits_total = int(body.get("hits", {}).get("total", {}).get("value", 0))
    total = int(aggs["groups"]["value"]) if "groups" in aggs else hits_total
    return SearchResults(query=query, hits=hits, total=total, facets=facets)
