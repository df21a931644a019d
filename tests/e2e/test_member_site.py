"""A member on a phone logs in, finds the navigation and their masked profile."""

import pytest

from tests.e2e.conftest import login, shot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_lets_a_member_log_in_on_a_phone_and_see_their_profile(personas, live_server, phone_page):
    page = phone_page
    page.goto(f"{live_server.url}/me/")
    assert "/accounts/login/" in page.url
    shot(page, "member-01-login")
    page.fill("#id_username", "xiaoming")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".error").is_visible()
    login(page, live_server.url, "xiaoming", PASSWORD)
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "小明，您好"
    nav = page.locator(".mainnav a")
    assert nav.first.inner_text() == "首页"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the home page must not scroll sideways on a phone"
    shot(page, "member-02-home")
    page.click("[data-nav=my_study]")
    page.wait_for_url("**/me/")
    profile = page.locator(".profile").inner_text()
    assert personas.member.id_number_masked in profile
    assert personas.member.id_number.reveal() not in page.content()
    assert "138****8000" in profile
    shot(page, "member-03-my-study")
    page.select_option("#lang", "en")
    page.click("footer form.language button[type=submit]")
    page.wait_for_load_state()
    assert "My study" in page.locator("h1").inner_text()
