"""Backend-agnostic behaviour: runs on the embedded backend always, on Elasticsearch when configured."""

from __future__ import annotations

import datetime as dt

import pytest

from search.backends import SearchBackend
from search.core import SearchResults, Viewer
from search.params import parse_query
from tests.search.builders import library, make_doc

EVERYONE = Viewer()


def search(backend: SearchBackend, viewer: Viewer = EVERYONE, **params: str) -> SearchResults:
    return backend.search(parse_query(params), viewer)


@pytest.fixture
def indexed(backend: SearchBackend) -> SearchBackend:
    backend.index(library())
    return backend


def test_it_finds_the_code_of_conduct_first_by_two_words_of_its_title(indexed: SearchBackend) -> None:
    results = search(indexed, q="廉洁自律")
    assert results.hits[0].title == "中国共产党廉洁自律准则"
    assert "<mark>廉洁自律</mark>" in results.hits[0].title_html
    assert results.total >= 2  # the regulation that mentions 廉洁自律 in an article is found too


def test_it_finds_a_remembered_phrase_and_points_to_its_article(indexed: SearchBackend) -> None:
    hit = search(indexed, q="档案馆负责档案数字资源的收集").hits[0]
    assert hit.title == "中华人民共和国档案法"
    assert hit.article_label == "第三十七条"
    assert hit.article_url == f"{hit.url}#art-2"
    assert "<mark>" in hit.snippet_html and "档案数字资源" in hit.snippet_html


def test_it_puts_an_exact_document_number_first_whatever_the_brackets(indexed: SearchBackend) -> None:
    assert search(indexed, q="中纪发〔2013〕4号").hits[0].title == "关于严禁公款购买印制寄送贺年卡等物品的通知"
    assert search(indexed, q="中纪发[2013]4号").hits[0].title == "关于严禁公款购买印制寄送贺年卡等物品的通知"


def test_it_folds_versions_of_one_document_into_the_best_hit(indexed: SearchBackend) -> None:
    hits = search(indexed, q="纪律处分条例").hits
    titles = [h.title for h in hits]
    assert titles.count("中国共产党纪律处分条例") == 1
    hit = hits[titles.index("中国共产党纪律处分条例")]
    assert hit.validity == "current" and hit.other_versions == 1


def test_it_filters_by_category_validity_year_and_type(indexed: SearchBackend) -> None:
    assert {h.category for h in search(indexed, q="党员", category="准则").hits} == {"准则"}
    assert [h.title for h in search(indexed, q="纪律", validity="revised").hits] == ["中国共产党纪律处分条例"]
    years = search(indexed, q="", year_from="2015", year_to="2020").hits
    assert {h.issue_date.year for h in years if h.issue_date} <= {2015, 2016, 2017, 2018, 2019, 2020}
    assert len(years) == 3
    assert search(indexed, q="廉洁自律", type="course").hits == []


def test_it_reports_facets_of_the_matches(indexed: SearchBackend) -> None:
    facets = search(indexed, q="党的纪律").facets
    assert {f.value for f in facets["category"]} >= {"条例"}
    assert all(f.count >= 1 for values in facets.values() for f in values)


def test_it_orders_by_date_when_asked(indexed: SearchBackend) -> None:
    hits = search(indexed, q="", order="date").hits
    dates = [h.issue_date for h in hits if h.issue_date]
    assert len(dates) == len(hits)
    assert dates == sorted(dates, reverse=True)


def test_it_pages_through_results(indexed: SearchBackend) -> None:
    first = search(indexed, q="", page_size="2")
    second = search(indexed, q="", page_size="2", page="2")
    assert first.total == 5 and first.num_pages == 3 and first.has_next
    assert not {h.key for h in first.hits} & {h.key for h in second.hits}
    assert search(indexed, q="", page="99").hits == []


def test_it_never_shows_unpublished_or_restricted_content(backend: SearchBackend) -> None:
    backend.index([
        make_doc("廉洁自律草稿", [("第一条", "尚未发布的廉洁自律内容")], live=False),
        make_doc("廉洁自律内部材料", [("第一条", "只给第一党支部看的廉洁自律内容")], visibility=["0001"]),
        make_doc("廉洁自律公开读本", [("第一条", "人人可见的廉洁自律内容")]),
    ])
    assert [h.title for h in search(backend, q="廉洁自律").hits] == ["廉洁自律公开读本"]
    inside = Viewer(paths=("0001", "00010001"))
    assert {h.title for h in search(backend, inside, q="廉洁自律").hits} == {"廉洁自律公开读本", "廉洁自律内部材料"}
    assert len(search(backend, Viewer(sees_everything=True), q="廉洁自律").hits) == 2


def test_it_replaces_and_removes_documents(indexed: SearchBackend) -> None:
    doc = make_doc("关于开展主题教育的通知", [("", "认真开展主题教育。")], page_id=77)
    indexed.index([doc])
    doc.title = "关于深入开展主题教育的通知"
    indexed.index([doc])
    assert [h.title for h in search(indexed, q="主题教育").hits] == ["关于深入开展主题教育的通知"]
    assert indexed.remove([doc.key]) == 1
    assert search(indexed, q="主题教育").hits == []


def test_it_rebuilds_the_whole_index(indexed: SearchBackend) -> None:
    assert indexed.rebuild([make_doc("党章", [("第一条", "年满十八岁的中国工人")], page_id=1, updated_at=None)]) == 1
    assert [h.title for h in search(indexed, q="").hits] == ["党章"]
    assert list(indexed.indexed_versions()) == ["document:1"]


@pytest.mark.parametrize("q", [
    '"', "*", "OR", "{", "\\", '{"query": {"match_all": {}}}', "title:廉洁 OR 1=1", "廉洁 NEAR 自律",
    "廉洁 AND 自律", '"廉洁自律', "廉洁自律*", "(廉洁", "NOT 廉洁", "^廉洁", "title : 廉洁", "'; DROP TABLE x; --",
    "廉洁自律" * 2500,
])
def test_it_treats_query_syntax_as_plain_text(indexed: SearchBackend, q: str) -> None:
    results = search(indexed, q=q)
    assert all(h.title != "廉洁自律草稿" for h in results.hits)
    if "廉洁" in q:
        assert results.hits and results.hits[0].title in {"中国共产党廉洁自律准则", "中国共产党纪律处分条例"}


def test_it_escapes_html_in_titles_and_snippets(backend: SearchBackend) -> None:
    backend.index([make_doc("<script>alert(1)</script>廉洁自律", [("第一条", "<b>廉洁自律</b> & more")],
                            issue_date=dt.date(2020, 1, 1))])
    hit = search(backend, q="廉洁自律").hits[0]
    assert "<script>" not in hit.title_html and "&lt;script&gt;" in hit.title_html
    assert "<b>" not in hit.snippet_html and "&lt;b&gt;" in hit.snippet_html and "<mark>" in hit.snippet_html
