"""The search page and GET /api/v1/search/: scope, bad input, no 500s."""

from __future__ import annotations

from typing import Any

import pytest

from search.backends import get_backend
from tests.factories import Personas
from tests.search.builders import library, make_doc


@pytest.fixture
def indexed(personas: Personas, settings: Any) -> Personas:
    settings.ELASTICSEARCH_URL = None
    get_backend().index([
        *library(),
        make_doc("廉洁自律未发布稿", [("第一条", "廉洁自律草稿")], live=False),
        make_doc("廉洁自律第一党支部学习材料", [("第一条", "廉洁自律支部材料")], visibility=[personas.a1.path]),
        make_doc("廉洁自律另一区委材料", [("第一条", "廉洁自律另一区委")], visibility=[personas.other_committee.path]),
    ])
    return personas


def test_it_shows_highlighted_hits_on_the_search_page(indexed: Personas, client_for: Any) -> None:
    response = client_for(indexed.member.user).get("/search/", {"q": "廉洁自律"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "中国共产党<mark>廉洁自律</mark>准则" in html
    assert "搜索文库" in html


def test_it_links_an_article_hit_to_its_anchor(indexed: Personas, client_for: Any) -> None:
    html = client_for(indexed.member.user).get("/search/", {"q": "档案馆负责档案数字资源的收集"}).content.decode()
    assert "#art-2" in html and "第三十七条" in html


def test_it_shows_only_what_the_member_may_see(indexed: Personas, client_for: Any) -> None:
    html = client_for(indexed.member.user).get("/search/", {"q": "廉洁自律"}).content.decode()
    assert "第一党支部学习材料" in html
    assert "另一区委材料" not in html and "未发布稿" not in html
    other = client_for(indexed.member_x.user).get("/search/", {"q": "廉洁自律"}).content.decode()
    assert "另一区委材料" in other and "第一党支部学习材料" not in other


def test_it_requires_login(indexed: Personas, client_for: Any) -> None:
    assert client_for(None).get("/search/", {"q": "廉洁"}).status_code == 302
    assert client_for(None).get("/api/v1/search/", {"q": "廉洁"}).status_code == 403


def test_it_refuses_other_methods(indexed: Personas, client_for: Any) -> None:
    client = client_for(indexed.member.user)
    assert client.post("/search/", {"q": "廉洁"}).status_code == 405
    assert client.post("/api/v1/search/", {"q": "廉洁"}).status_code == 405


def test_it_shows_an_empty_form_for_an_empty_query(indexed: Personas, client_for: Any) -> None:
    response = client_for(indexed.member.user).get("/search/", {"q": "   "})
    assert response.status_code == 200
    assert "<ol class=\"hits\">" not in response.content.decode()


@pytest.mark.parametrize(("params", "message"), [
    ({"page": "0"}, "页码"), ({"page": "abc"}, "页码"), ({"page": "-1"}, "页码"), ({"page": "99999999999999999999"}, "页码"),
    ({"page_size": "500"}, "每页"), ({"validity": "valid"}, "有效性"), ({"type": "video"}, "内容类型"),
    ({"year_from": "20x"}, "年份"), ({"year_from": "2020", "year_to": "2010"}, "起始年份"), ({"order": "random"}, "排序"),
    ({"category": "条" * 200}, "过长"),
])
def test_it_explains_invalid_parameters(indexed: Personas, client_for: Any, params: dict[str, str], message: str) -> None:
    client = client_for(indexed.member.user)
    page = client.get("/search/", {"q": "廉洁", **params})
    assert page.status_code == 400 and message in page.content.decode()
    api = client.get("/api/v1/search/", {"q": "廉洁", **params})
    assert api.status_code == 400
    assert api.json()["code"] == "invalid" and message in api.json()["detail"]


@pytest.mark.parametrize("q", ['"', "*", "OR", "{", "\\", '{"a":', "NEAR(廉洁 自律)", "廉洁 AND", '"廉洁', "廉洁" * 5000])
def test_it_answers_query_syntax_without_errors_or_leaks(indexed: Personas, client_for: Any, q: str) -> None:
    client = client_for(indexed.member.user)
    page = client.get("/search/", {"q": q})
    assert page.status_code == 200
    assert "未发布稿" not in page.content.decode() and "另一区委材料" not in page.content.decode()
    api = client.get("/api/v1/search/", {"q": q})
    assert api.status_code == 200
    assert all("未发布稿" not in hit["title"] and "另一区委" not in hit["title"] for hit in api.json()["hits"])


def test_it_returns_json_hits_with_articles_and_facets(indexed: Personas, client_for: Any) -> None:
    body = client_for(indexed.member.user).get("/api/v1/search/", {"q": "档案馆负责档案数字资源的收集"}).json()
    first = body["hits"][0]
    assert first["title"] == "中华人民共和国档案法"
    assert first["article_label"] == "第三十七条" and first["article_url"].endswith("#art-2")
    assert "<mark>" in first["snippet_html"]
    assert body["total"] >= 1 and body["page"] == 1 and "category" in body["facets"]


def test_it_pages_the_api_past_the_end_without_error(indexed: Personas, client_for: Any) -> None:
    body = client_for(indexed.member.user).get("/api/v1/search/", {"q": "廉洁自律", "page": "50"}).json()
    assert body["hits"] == [] and body["total"] >= 1


def test_it_answers_503_with_a_message_when_the_engine_is_down(indexed: Personas, client_for: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> None:
        raise ConnectionError("engine down")

    monkeypatch.setattr(type(get_backend()), "search", broken)
    client = client_for(indexed.member.user)
    assert client.get("/search/", {"q": "廉洁"}).status_code == 503
    api = client.get("/api/v1/search/", {"q": "廉洁"})
    assert api.status_code == 503 and api.json()["code"] == "search_unavailable"


def test_it_is_in_the_openapi_schema(indexed: Personas, client_for: Any) -> None:
    schema = client_for(indexed.superuser).get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/search/" in schema["paths"]


def test_it_puts_a_search_box_on_the_home_page(indexed: Personas, client_for: Any) -> None:
    html = client_for(indexed.member.user).get("/").content.decode()
    assert 'action="/search/"' in html
