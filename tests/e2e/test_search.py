"""A member on a phone types 廉洁自律 in the home page's search box and opens the article a remembered
phrase was found in."""

from __future__ import annotations

from typing import Any

import pytest

from search.backends import get_backend
from tests.e2e.conftest import login, shot
from tests.factories import PASSWORD
from tests.search.factories import library

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
