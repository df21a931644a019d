"""A member reads two lessons in two tabs of Chromium: the newer tab holds the study clock, the older one
pauses (and says so), and coming back to the older tab takes the clock back."""

from __future__ import annotations

import time
from typing import Any

import pytest

from courses.models import StudyProgress
from tests.courses.builders import make_course, make_reading
from tests.e2e.conftest import login, shot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _tracker(page: Any, value: str, timeout: float = 25_000) -> None:
    page.wait_for_function(
        "v => document.querySelector('[data-study-tracker]').getAttribute('data-session') === v", arg=value,
        timeout=timeout)


def test_it_moves_the_study_clock_to_the_tab_in_use(personas: Any, live_server: Any, phone_page: Any,
                                                   wagtail_site: Any) -> None:
    course = make_course("党章学习")
    first, second = make_reading(course, "第一课", seconds=600), make_reading(course, "第二课", seconds=600)
    began = time.monotonic()
    tab_one = phone_page
    login(tab_one, live_server.url, "xiaoming", PASSWORD)
    tab_one.goto(f"{live_server.url}{first.url}")
    _tracker(tab_one, "live")
    tab_two = tab_one.context.new_page()
    tab_two.goto(f"{live_server.url}{second.url}")
    _tracker(tab_two, "live")
    _tracker(tab_one, "replaced")  # its next report (within 15 s) finds the clock moved
    assert "另一页面" in tab_one.locator("[data-progress-text]").inner_text()
    shot(tab_one, "courses-study-clock-01-replaced")
    tab_one.bring_to_front()
    tab_one.evaluate("() => window.dispatchEvent(new Event('focus'))")  # the member comes back to this tab
    _tracker(tab_one, "live")
    _tracker(tab_two, "replaced")
    tab_one.wait_for_function(
        "() => Number(document.querySelector('[data-study-tracker]').getAttribute('data-share') || 0) > 0",
        timeout=25_000)
    studied = sum(StudyProgress.objects.filter(member=personas.member).values_list("watched_seconds", flat=True))
    assert 0 < studied <= time.monotonic() - began
    assert StudyProgress.objects.filter(member=personas.member, page=first).exists()
