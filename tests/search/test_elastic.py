"""The Elasticsearch backend without a server: mappings, analyzers, query bodies, bulk actions, the
atomic alias swap, and reading a response. (Against a real cluster: the backend-agnostic suite in
test_engine.py runs when ELASTICSEARCH_URL is set.)"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from search.backends.elastic.backend import (
    ElasticsearchBackend,
    alias_actions,
    bulk_actions,
    delete_actions,
    index_body,
)
from search.backends.elastic.documents import CourseDoc, PolicyDocumentDoc, to_es
from search.backends.elastic.queries import build_search, read_response
from search.core import FacetValue, SearchDocument, SearchUnavailable, Viewer
from search.params import parse_query
from tests.search.builders import library, make_doc

TARGETS = {"documents": "school-documents", "courses": "school-courses"}


MEMBER = Viewer(paths=("0001", "00010002"))


def body_for(params: dict[str, str], viewer: Viewer = MEMBER) -> dict[str, Any]:
    return build_search(parse_query(params), viewer, list(TARGETS.values())).to_dict()


def test_it_maps_articles_as_nested_passages_with_chinese_analysis() -> None:
    mapping = PolicyDocumentDoc._doc_type.mapping.to_dict()["properties"]
    assert mapping["passages"]["type"] == "nested"
    assert mapping["passages"]["properties"]["label"] == {"type": "keyword"}
    assert mapping["passages"]["properties"]["text"]["analyzer"] == "school_index"
    assert mapping["title"]["analyzer"] == "school_index" and mapping["title"]["fields"]["raw"] == {"type": "keyword"}
    assert mapping["doc_number_key"] == {"type": "keyword"} and mapping["validity"] == {"type": "keyword"}
    assert mapping["visibility"] == {"type": "keyword"} and mapping["issue_date"] == {"type": "date"}
    assert "doc_number" not in CourseDoc._doc_type.mapping.to_dict()["properties"]


@pytest.mark.parametrize(("kind", "index_tokenizer", "search_tokenizer"), [
    ("cjk", "standard", "standard"), ("smartcn", "smartcn_tokenizer", "smartcn_tokenizer"),
    ("ik", "ik_max_word", "ik_smart"),
])
def test_it_configures_the_analyzer_by_setting(kind: str, index_tokenizer: str, search_tokenizer: str) -> None:
    analyzers = index_body("documents", kind)["settings"]["analysis"]["analyzer"]
    assert analyzers["school_index"]["tokenizer"] == index_tokenizer
    assert analyzers["school_search"]["tokenizer"] == search_tokenizer
    if kind == "cjk":
        assert "cjk_bigram" in analyzers["school_index"]["filter"]
    assert analyzers["school_phrase"]["tokenizer"] == search_tokenizer  # the same at index and search time


def test_it_runs_phrase_clauses_on_subfields_analysed_alike_at_index_and_search_time() -> None:
    mapping = PolicyDocumentDoc._doc_type.mapping.to_dict()["properties"]
    assert mapping["title"]["fields"]["phrase"] == {"type": "text", "analyzer": "school_phrase"}
    assert mapping["passages"]["properties"]["text"]["fields"]["phrase"] == {"type": "text",
                                                                            "analyzer": "school_phrase"}
    text = json.dumps(body_for({"q": "廉洁自律"}), ensure_ascii=False)
    assert '"match_phrase": {"title.phrase"' in text and '"match_phrase": {"passages.text.phrase"' in text
    assert '"match_phrase": {"title":' not in text and '"match_phrase": {"passages.text":' not in text


def test_it_builds_a_query_with_title_boosts_phrases_highlights_and_filters() -> None:
    body = body_for({"q": "廉洁自律", "category": "准则", "year_from": "2010", "page": "2", "page_size": "5"})
    text = json.dumps(body, ensure_ascii=False)
    assert "query_string" not in text and "simple_query_string" not in text
    should = body["query"]["bool"]["must"][0]["bool"]["should"]
    assert {"match_phrase": {"title.phrase": {"query": "廉洁自律", "boost": 30}}} in should
    multi = next(c["multi_match"] for c in should if "multi_match" in c)
    assert "title^10" in multi["fields"] and multi["query"] == "廉洁自律"
    nested = next(c["nested"] for c in should if "nested" in c)
    assert nested["path"] == "passages" and nested["inner_hits"]["highlight"]["encoder"] == "html"
    assert {"match_phrase": {"passages.text.phrase": {"query": "廉洁自律", "slop": 2, "boost": 5}}} in \
        nested["query"]["bool"]["should"]
    filters = body["query"]["bool"]["filter"]
    assert {"term": {"live": True}} in filters and {"term": {"category": "准则"}} in filters
    assert {"range": {"year": {"gte": 2010}}} in filters
    visibility = next(f for f in filters if "bool" in f)["bool"]["should"]
    assert {"terms": {"visibility": ["0001", "00010002"]}} in visibility
    assert body["highlight"]["pre_tags"] == ["<mark>"] and body["highlight"]["encoder"] == "html"
    assert body["collapse"]["field"] == "title_key"
    assert body["from"] == 5 and body["size"] == 5
    assert set(body["aggs"]) == {"groups", "versions", "matched"}
    assert body["aggs"]["matched"]["aggs"]["top"]["top_hits"]["_source"]["includes"] == [
        "key", "category", "issuer", "year", "validity", "content_type"]


def test_it_puts_an_exact_document_number_first() -> None:
    should = body_for({"q": "中纪发[2013]4号"})["query"]["bool"]["must"][0]["bool"]["should"]
    assert {"term": {"doc_number_key": {"value": "中纪发〔2013〕4号", "boost": 1000}}} in should


@pytest.mark.parametrize("q", ['title:廉洁 OR 1=1', '{"query": {"match_all": {}}}', "廉洁*", "\\", '"廉洁'])
def test_it_passes_query_syntax_as_inert_match_text(q: str) -> None:
    body = body_for({"q": q})
    should = body["query"]["bool"]["must"][0]["bool"]["should"]
    assert next(c["multi_match"] for c in should if "multi_match" in c)["query"] == q
    assert "query_string" not in json.dumps(body)


def test_it_lets_a_superuser_see_restricted_content_and_browses_by_date() -> None:
    body = body_for({"q": ""}, Viewer(sees_everything=True))
    assert body["query"]["bool"]["filter"] == [{"term": {"live": True}}]
    assert body["sort"][0] == {"issue_date": {"order": "desc", "missing": "_last"}}


def test_it_generates_bulk_actions_per_kind() -> None:
    docs = [*library()[:1], make_doc("党史课", [("", "遵义会议")], content_type="course", page_id=5,
                                     visibility=["0001"])]
    actions = list(bulk_actions(docs, TARGETS))
    assert [a["_index"] for a in actions] == ["school-documents", "school-courses"]
    first = actions[0]
    assert first["_op_type"] == "index" and first["_id"] == docs[0].key
    assert first["_source"]["title_key"] == "document:中国共产党廉洁自律准则"
    assert first["_source"]["passages"][1] == {"label": "第二条", "chapter": "", "anchor": "art-2",
                                               "text": docs[0].passages[1].text}
    assert first["_source"]["issue_date"] == dt.date(2015, 10, 12) and first["_source"]["year"] == 2015
    assert actions[1]["_source"]["restricted"] is True and actions[1]["_source"]["visibility"] == ["0001"]
    assert list(delete_actions(["course:5", "document:1"], TARGETS)) == [
        {"_op_type": "delete", "_index": "school-courses", "_id": "course:5"},
        {"_op_type": "delete", "_index": "school-documents", "_id": "document:1"},
    ]


def test_it_swaps_an_alias_with_remove_and_add_in_one_list() -> None:
    assert alias_actions("school-documents", ["school-documents-1"], "school-documents-2") == [
        {"remove": {"index": "school-documents-1", "alias": "school-documents"}},
        {"add": {"index": "school-documents-2", "alias": "school-documents"}},
    ]


class FakeIndices:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.aliases = {"school-documents": ["school-documents-old"], "school-courses": ["school-courses-old"]}

    def __getattr__(self, name: str) -> Any:
        def record(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            if name == "exists_alias":
                return kwargs["name"] in self.aliases
            if name == "get_alias":
                return {index: {} for index in self.aliases[kwargs["name"]]}
            return {"acknowledged": True}

        return record


def test_it_rebuilds_into_new_indices_and_swaps_both_aliases_atomically(settings: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    settings.SEARCH_ES_PREFIX = "school"
    backend = ElasticsearchBackend("http://127.0.0.1:9200")
    fake = type("FakeClient", (), {})()
    fake.indices = FakeIndices()
    backend._client = fake
    loaded: list[dict[str, Any]] = []
    def fake_bulk(actions: Any, **kwargs: Any) -> int:
        loaded.extend(actions)
        return len(loaded)

    monkeypatch.setattr(backend, "_bulk", fake_bulk)
    assert backend.rebuild(library()) == 5
    names = [name for name, _kw in fake.indices.calls]
    assert names.count("create") == 2 and names.count("update_aliases") == 1
    created = [kw["index"] for name, kw in fake.indices.calls if name == "create"]
    assert {a["_index"] for a in loaded} == {created[0]}  # all five are policy documents
    swap = next(kw for name, kw in fake.indices.calls if name == "update_aliases")["actions"]
    assert {"remove": {"index": "school-documents-old", "alias": "school-documents"}} in swap
    assert {"add": {"index": created[0], "alias": "school-documents"}} in swap
    assert {"add": {"index": created[1], "alias": "school-courses"}} in swap
    deleted = [kw["index"] for name, kw in fake.indices.calls if name == "delete"]
    assert deleted == ["school-documents-old", "school-courses-old"]
    assert names.index("update_aliases") < names.index("delete")


def test_it_reads_hits_articles_versions_and_facets_from_a_response() -> None:
    response = {
        "hits": {"total": {"value": 3}, "hits": [{
            "_id": "document:1", "_score": 12.5,
            "_source": {"key": "document:1", "content_type": "document", "title": "中国共产党纪律处分条例",
                        "url": "/library/tiaoli/", "issue_date": "2023-12-19", "validity": "current",
                        "category": "条例", "doc_number": "", "issuer": "中共中央",
                        "title_key": "document:中国共产党纪律处分条例"},
            "highlight": {"title": ["中国共产党<mark>纪律处分</mark>条例"]},
            "inner_hits": {
                "passages": {"hits": {"hits": [{"_source": {"label": "第十二条", "anchor": "art-12", "chapter": "第二章"},
                                                "highlight": {"passages.text": ["给予<mark>纪律处分</mark>"]}}]}},
            },
        }]},
        "aggregations": {"groups": {"value": 1}, "versions": {"scope": {"titles": {"buckets": [{
            "key": "document:中国共产党纪律处分条例", "doc_count": 3,
            "current": {"hits": {"hits": [{"_id": "document:1", "_source": {}}]}}}]}}},
            "matched": {"buckets": [{"key": "document:中国共产党纪律处分条例", "doc_count": 3, "top": {"hits": {"hits": [
                {"_id": "document:1", "_source": {"key": "document:1", "category": "条例", "year": 2023}}]}}}]}},
    }
    results = read_response(parse_query({"q": "纪律处分"}), response)
    hit = results.hits[0]
    assert hit.article_url == "/library/tiaoli/#art-12" and hit.article_label == "第十二条"
    assert hit.other_versions == 2 and hit.issue_date == dt.date(2023, 12, 19)
    assert hit.snippet_html == "给予<mark>纪律处分</mark>"
    assert results.total == 1 and results.facets["year"] == [FacetValue("2023", 1)]
    assert results.facets["category"] == [FacetValue("条例", 1)]  # one title, whatever its number of versions


def test_it_reports_an_unreachable_cluster_as_unavailable(settings: Any) -> None:
    settings.SEARCH_ES_TIMEOUT = 1
    backend = ElasticsearchBackend("http://127.0.0.1:9")
    with pytest.raises(SearchUnavailable):
        backend.search(parse_query({"q": "廉洁"}), Viewer())
    with pytest.raises(SearchUnavailable):
        backend.index(library())


def test_it_fails_the_index_command_clearly_when_the_cluster_is_down(settings: Any, db: None) -> None:
    from django.core.management import CommandError, call_command

    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    settings.SEARCH_ES_TIMEOUT = 1
    with pytest.raises(CommandError, match="unavailable"):
        call_command("search_index", "--rebuild")


def test_it_asks_for_the_named_article_of_the_aliased_document_and_party_documents_first() -> None:
    body = body_for({"q": "处分条例 第二十九条"})
    text = json.dumps(body, ensure_ascii=False)
    should = body["query"]["bool"]["must"][0]["bool"]["should"]
    assert {"terms": {"title_key": ["document:中国共产党纪律处分条例"], "boost": 220}} in should
    nested = next(c["nested"] for c in should if "nested" in c)
    assert {"term": {"passages.label": {"value": "第二十九条", "boost": 300}}} in nested["query"]["bool"]["should"]
    boosts = body["query"]["bool"]["should"]
    assert {"term": {"category": {"value": "党章", "boost": 60.0}}} in boosts
    assert {"term": {"validity": {"value": "current", "boost": 50}}} in boosts
    assert "法律法规" not in text
    chapter = json.dumps(body_for({"q": "党章 第3章"}), ensure_ascii=False)
    assert '"match_phrase_prefix": {"passages.chapter": {"query": "第三章", "boost": 300}}' in chapter


def test_it_prefers_the_version_of_a_named_year_and_searches_synonyms() -> None:
    boosts = body_for({"q": "纪律处分条例 1997年版"})["query"]["bool"]["should"]
    assert {"term": {"version_year": {"value": 1997, "boost": 500}}} in boosts
    assert not any("validity" in json.dumps(b) for b in boosts)
    should = body_for({"q": "交党费"})["query"]["bool"]["must"][0]["bool"]["should"]
    nested = next(c["nested"] for c in should if "nested" in c)
    assert {"match": {"passages.text": {"query": "党费收缴", "boost": 2}}} in nested["query"]["bool"]["should"]
    law = body_for({"q": "合同 违约金"})["query"]["bool"]["should"]
    assert {"term": {"category": {"value": "党章", "boost": 3.0}}} in law  # not a party query: a small prior only


def test_it_indexes_the_version_of_a_policy_document() -> None:
    doc = to_es(make_doc("中国共产党纪律处分条例", version="2018年版"))
    assert (doc.version, doc.version_year) == ("2018年版", 2018)


def test_it_browses_without_folding_and_counts_every_entry() -> None:
    body = body_for({"category": "条例"})
    assert "collapse" not in body and "groups" not in body["aggs"]
    assert body["aggs"]["facets"]["filter"] == {"match_all": {}}
    results = read_response(parse_query({}), {"hits": {"total": {"value": 7}, "hits": []},
                                              "aggregations": {"facets": {"doc_count": 7}}})
    assert results.total == 7


def test_it_finds_the_words_of_a_query_despite_stray_tokens() -> None:
    should = body_for({"q": "廉洁 OR 1=1"})["query"]["bool"]["must"][0]["bool"]["should"]
    nested = next(c["nested"] for c in should if "nested" in c)
    assert {"match": {"passages.text": {"query": "廉洁", "minimum_should_match": "60%"}}} in \
        nested["query"]["bool"]["should"]
    assert any(c.get("multi_match", {}).get("query") == "廉洁" for c in should)


def test_it_shows_the_current_version_of_a_folded_title_and_counts_facets_like_the_list() -> None:
    body = body_for({"q": "纪律处分条例"})
    titles = body["aggs"]["versions"]["aggs"]["scope"]["aggs"]["titles"]
    assert titles["aggs"]["current"]["top_hits"]["sort"] == [
        {"version_order": {"order": "desc", "missing": "_last", "unmapped_type": "long"}}]  # courses have none
    assert body["aggs"]["versions"]["aggs"]["scope"]["filter"]["bool"]["filter"][0] == {"term": {"live": True}}
    assert "named" not in titles["aggs"]
    named = body_for({"q": "纪律处分条例 1997年版"})["aggs"]["versions"]["aggs"]["scope"]["aggs"]["titles"]["aggs"]
    assert named["named"]["filter"] == {"term": {"version_year": 1997}}
    assert body["aggs"]["matched"]["aggs"]["top"]["top_hits"]["sort"][0] == "_score"
    title_key = "document:中国共产党纪律处分条例"
    current = {"_id": "document:2",  # the list shows the current version, with its opening as the snippet
               "_source": {"key": "document:2", "content_type": "document", "title": "中国共产党纪律处分条例",
                           "url": "/library/2023/", "validity": "current", "version": "2023年版", "issuer": "中共中央",
                           "lead": "为了维护党的章程和其他党内法规，严肃党的纪律，制定本条例。"}}
    response = {
        "hits": {"total": {"value": 2}, "hits": [{
            "_id": "document:1", "_score": 9.0,  # the 2018 version matched best ...
            "_source": {"key": "document:1", "content_type": "document", "title": "中国共产党纪律处分条例",
                        "url": "/library/2018/", "validity": "revised", "version": "2018年版", "title_key": title_key},
        }]},
        "aggregations": {"groups": {"value": 1}, "versions": {"scope": {"titles": {"buckets": [
            {"key": title_key, "doc_count": 2, "current": {"hits": {"hits": [current]}}}]}}},
            "matched": {"buckets": [{"key": title_key, "doc_count": 1, "top": {"hits": {"hits": [{
                "_id": "document:1", "_source": {"key": "document:1", "issuer": "", "validity": "revised"}}]}}}]}},
    }
    results = read_response(parse_query({"q": "纪律处分条例"}), response)
    hit = results.hits[0]
    assert (hit.url, hit.version, hit.current_version, hit.other_versions) == ("/library/2023/", "2023年版", True, 1)
    assert hit.snippet_html.startswith("为了维护党的章程")
    assert results.facets["issuer"] == [FacetValue("中共中央", 1)] and results.facets["validity"] == [
        FacetValue("current", 1)]
    revised = read_response(parse_query({"q": "纪律处分条例", "validity": "revised"}), response).hits[0]
    assert (revised.url, revised.current_version, revised.other_versions) == ("/library/2018/", False, 1)


def test_it_drops_punctuation_with_smartcn_and_finds_titles_by_one_character() -> None:
    analysis = index_body("documents", "smartcn")["settings"]["analysis"]["analyzer"]
    assert analysis["school_index"]["filter"] == ["lowercase", "smartcn_stop"]
    mapping = PolicyDocumentDoc._doc_type.mapping.to_dict()["properties"]
    assert mapping["title"]["fields"]["chars"] == {"type": "text", "analyzer": "school_chars"}
    should = body_for({"q": "廉"})["query"]["bool"]["must"][0]["bool"]["should"]
    assert {"match": {"title.chars": {"query": "廉", "boost": 10}}} in should
    assert not any("title.chars" in json.dumps(c) for c in body_for({"q": "廉洁"})["query"]["bool"]["must"][0]["bool"]["should"])


# --- versions and facets in one request, like the embedded backend -------------------------------------------------

def revised_library() -> list[SearchDocument]:
    """A title whose every version is revised, and a title only whose older version holds the query's words."""
    text = "第一条　为了做好党员远程教育，制定本规定。"
    return [
        make_doc("党员教育管理工作规定", [("第一条", text)], category="规定", issuer="中共中央组织部",
                 issue_date=dt.date(2010, 3, 1), validity="revised"),
        make_doc("党员教育管理工作规定", [("第一条", text)], category="规定", issuer="中共中央组织部",
                 issue_date=dt.date(2019, 5, 6), validity="revised"),
        make_doc("党费收缴使用管理规定", [("第一条", "党员应当按月交纳党费。")], category="规定", issuer="中共中央组织部",
                 issue_date=dt.date(2008, 2, 1), validity="current"),
        make_doc("党费收缴使用管理规定", [("第一条", text)], category="通知", issuer="中共中央办公厅",
                 issue_date=dt.date(1998, 7, 1), validity="revised"),
    ]


def answer_like_es(body: dict[str, Any], docs: list[SearchDocument], q: str) -> dict[str, Any]:
    """What a one-shard cluster answers to ``body`` when the documents holding ``q`` match (all scoring alike):
    the collapsed hits with any collapse ``inner_hits``, and the aggregations (global, filter, terms, top_hits,
    cardinality) as Elastic's reference describes them — enough of ES 8 to read the response the backend gets."""
    sources = {doc.key: to_es(doc).to_dict(skip_empty=False) for doc in docs}
    matched = [d.key for d in docs if q in d.title or any(q in p.text for p in d.passages)]

    def passes(key: str, clause: dict[str, Any]) -> bool:
        (kind, spec), = clause.items()
        if kind == "match_all":
            return True
        if kind == "term":
            (field, value), = spec.items()
            return sources[key].get(field) == (value["value"] if isinstance(value, dict) else value)
        assert kind == "bool", clause
        return all(passes(key, c) for c in [*spec.get("filter", []), *spec.get("must", [])]) and \
            not any(passes(key, c) for c in spec.get("must_not", []))

    def ordered(keys: list[str], sort: list[Any]) -> list[str]:
        for spec in reversed(sort):  # stable sorts, last key first
            if spec == "_score":
                continue
            (field, how), = spec.items()
            how = how if isinstance(how, dict) else {"order": how}
            present = [k for k in keys if sources[k].get(field) not in (None, "")]
            present.sort(key=lambda k: sources[k][field], reverse=how.get("order") == "desc")
            keys = present + [k for k in keys if k not in present]
        return keys

    def source(key: str, spec: Any) -> dict[str, Any]:
        if isinstance(spec, dict) and "includes" in spec:
            return {f: sources[key].get(f) for f in spec["includes"]}
        excludes = spec.get("excludes", []) if isinstance(spec, dict) else []
        return {f: v for f, v in sources[key].items() if f not in excludes}

    def aggregate(aggs: dict[str, Any], keys: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, spec in aggs.items():
            subs = spec.get("aggs", {})
            if "cardinality" in spec:
                out[name] = {"value": len({sources[k].get(spec["cardinality"]["field"]) for k in keys})}
            elif "global" in spec:
                out[name] = {"doc_count": len(sources), **aggregate(subs, list(sources))}
            elif "filter" in spec:
                inside = [k for k in keys if passes(k, spec["filter"])]
                out[name] = {"doc_count": len(inside), **aggregate(subs, inside)}
            elif "terms" in spec:
                terms = spec["terms"]
                by: dict[Any, list[str]] = {}
                for k in keys:
                    if sources[k].get(terms["field"]) is not None:
                        by.setdefault(sources[k][terms["field"]], []).append(k)
                buckets = [{"key": v, "doc_count": len(ks), **aggregate(subs, ks)} for v, ks in by.items()
                           if len(ks) >= terms.get("min_doc_count", 1) and v not in terms.get("exclude", [])]
                order = terms.get("order", [{"_count": "desc"}, {"_key": "asc"}])
                for rule in reversed(order if isinstance(order, list) else [order]):
                    (what, direction), = rule.items()
                    buckets.sort(key=lambda b: b["doc_count"] if what == "_count" else b["key"],
                                 reverse=direction == "desc")
                out[name] = {"buckets": buckets[:terms.get("size", 10)]}
            elif "top_hits" in spec:
                top = spec["top_hits"]
                shown = ordered(keys, top.get("sort", []))[:top.get("size", 3)]
                out[name] = {"hits": {"total": {"value": len(keys), "relation": "eq"},
                                      "hits": [{"_id": k, "_source": source(k, top.get("_source"))} for k in shown]}}
            else:
                raise AssertionError(f"not emulated: {spec}")
        return out

    groups: dict[str, list[str]] = {}
    for key in matched:
        groups.setdefault(sources[key]["title_key"], []).append(key)
    hits = []
    for keys in groups.values():
        hit: dict[str, Any] = {"_id": keys[0], "_score": 1.0, "_source": source(keys[0], body.get("_source"))}
        inner = body.get("collapse", {}).get("inner_hits")
        if inner:
            hit["inner_hits"] = {inner["name"]: aggregate({"x": {"top_hits": inner}}, keys)["x"]}
        hits.append(hit)
    return {"hits": {"total": {"value": len(matched), "relation": "eq"}, "hits": hits},
            "aggregations": aggregate(body.get("aggs", {}), matched)}


def test_it_counts_versions_in_the_same_request_without_a_search_per_hit() -> None:
    """Collapse ``inner_hits`` make the cluster run one more search per hit on the page (Elastic's reference:
    "an additional query for each inner_hit request for each collapsed hit"). The versions of each title
    come from an aggregation of the same request instead."""
    body = body_for({"q": "纪律处分条例"})
    assert body["collapse"] == {"field": "title_key"}
    titles = body["aggs"]["versions"]["aggs"]["scope"]["aggs"]["titles"]
    assert body["aggs"]["versions"]["global"] == {}  # every version in the member's scope, matching or not
    assert titles["terms"]["field"] == "title_key" and titles["terms"]["min_doc_count"] == 2
    assert titles["aggs"]["current"]["top_hits"]["size"] == 1
    docs = library()
    results = read_response(parse_query({"q": "纪律处分条例"}), answer_like_es(body, docs, "纪律处分"))
    hit = next(h for h in results.hits if h.title == "中国共产党纪律处分条例")
    assert (hit.other_versions, hit.validity, hit.issue_date) == (1, "current", dt.date(2023, 12, 19))


@pytest.mark.parametrize("q", ["远程教育", "纪律处分", "党费"])
def test_it_shows_and_counts_each_title_once_by_its_current_version_like_the_embedded_backend(
        q: str, db: None, settings: Any) -> None:
    from search.backends.embedded import EmbeddedBackend

    docs = [*library(), *revised_library()]
    embedded = EmbeddedBackend()
    embedded.index(docs)
    expected = embedded.search(parse_query({"q": q}), Viewer(sees_everything=True))
    body = build_search(parse_query({"q": q}), Viewer(sees_everything=True), list(TARGETS.values())).to_dict()
    got = read_response(parse_query({"q": q}), answer_like_es(body, docs, q))
    assert expected.facets and got.facets == expected.facets
    assert sorted((h.title, h.url, h.other_versions, h.current_version) for h in got.hits) == \
        sorted((h.title, h.url, h.other_versions, h.current_version) for h in expected.hits)


def test_it_counts_titles_exactly_beyond_the_cardinality_default_of_3000() -> None:
    """The cardinality aggregation is approximate above its ``precision_threshold`` (3,000 by default); 40,000
    is the largest Elasticsearch accepts."""
    assert body_for({"q": "条例"})["aggs"]["groups"]["cardinality"] == {"field": "title_key",
                                                                       "precision_threshold": 40_000}
