"""A member on a phone types 廉洁自律 in the home page's search box and opens the article a remembered
phrase was found in."""

from __future__ import annotations

from typing import Any

import pytest

from search.backends import get_backend
from tests.e2e.conftest import login, shot
from tests.factories import PASSWORD
from tests.search.builders import library

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_finds_a_regulation_from_the_home_page_on_a_phone(personas: Any, live_server: Any, phone_page: Any,
                                                             settings: Any) -> None:
    settings.ELASTICSEARCH_URL = None
    get_backend().index(library())
    page = phone_page
    login(page, live_server.url, "xiaoming", PASSWORD)
    page.goto(f"{live_server.url}/")
    page.fill(".search-panel input[name=q]", "廉洁自律")
    page.click(".search-panel button[type=submit]")
    page.wait_for_url("**/search/?q=*")
    first = page.locator(".hit").first
    assert first.locator("h2").inner_text() == "中国共产党廉洁自律准则"
    assert first.locator("h2 mark").inner_text() == "廉洁自律"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
    shot(page, "search-01-title")
    page.fill(".search-box input[name=q]", "档案馆负责档案数字资源的收集")
    page.click(".search-box button[type=submit]")
    page.wait_for_load_state()
    hit = page.locator(".hit").first
    assert hit.locator(".article").inner_text() == "第三十七条"
    assert "档案数字资源" in hit.locator(".snippet mark").first.inner_text()
    assert hit.locator(".article").get_attribute("href").endswith("#art-2")
    shot(page, "search-02-phrase")


def test_it_answers_party_queries_with_current_versions_and_articles_on_a_phone(
        personas: Any, live_server: Any, phone_page: Any, settings: Any, wagtail_site: Any) -> None:
    from courses.services import ensure_site_pages, import_documents
    from search import indexing

    settings.ELASTICSEARCH_URL = None
    ensure_site_pages()
    body = "第一章 总则\n\n第一条 为了严肃党的纪律，制定本条例。\n\n第二十九条 {text}\n\n第十二条 {twelve}"
    rows = [
        {"title": "中国共产党纪律处分条例", "category": "条例", "version_note": f"{year}年版", "date": f"{year}-06-01",
         "body": body.format(text=f"{year}年版第二十九条：党员交纳党费的规定。", twelve="对违犯党纪的党员，应当区别情况处理。")}
        for year in (1997, 2015, 2023)
    ] + [
        {"title": "中国共产党章程", "category": "党章", "date": "2017-10-24",
         "body": body.format(text="党的各级领导机关。", twelve="党的中央和地方各级委员会在必要时召集代表会议。")},
        {"title": "中华人民共和国环境保护法", "category": "法律法规", "kind": "国家法律", "date": "2014-04-24",
         "body": body.format(text="国家划定生态保护红线。", twelve="每年6月5日为环境日。")},
    ]
    assert import_documents(rows).ok
    indexing.rebuild()
    page = phone_page
    login(page, live_server.url, "xiaoming", PASSWORD)
    page.goto(f"{live_server.url}/search/?q=处分条例 第二十九条")
    first = page.locator(".hit").first
    assert first.locator("h2").inner_text() == "中国共产党纪律处分条例"
    assert first.locator(".article").inner_text().endswith("第二十九条")
    assert "2023年版" in first.locator(".meta").inner_text() and "现行有效" in first.locator(".meta").inner_text()
    assert "另有 2 个版本" in first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "search-03-article-current-version")
    page.goto(f"{live_server.url}/search/?q=第十二条")
    titles = page.locator(".hit h2").all_inner_texts()
    assert titles[-1] == "中华人民共和国环境保护法" and titles[0] == "中国共产党章程"
    assert "constitution" not in page.content()
    shot(page, "search-04-article-number-party-first")
    page.goto(f"{live_server.url}/library/")
    assert page.locator(".doc-list li").all_inner_texts()[0].count("中国共产党纪律处分条例") <= 1
    assert "2023年版" in page.locator(".doc-list").inner_text()
    assert "1997年版" not in page.locator(".doc-list").inner_text()
    shot(page, "library-01-current-versions")
    page.fill(".filters input[name=q]", "党费")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**/search/?q=*")
    assert page.locator(".hit").first.locator("h2").inner_text() == "中国共产党纪律处分条例"
    shot(page, "library-02-search-box-uses-the-engine")
