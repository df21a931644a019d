"""Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser).

Skipped with a reason when /usr/bin/chromium is missing (``make test`` installs it where it can).
Screenshots of each step go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.story import FAILED, NEXT_ITEM, journey, order_journeys, story

__all__ = ["journey", "story"]  # the journeys' fixtures (tests/e2e/story.py)

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
    order_journeys(items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    item.stash[NEXT_ITEM] = nextitem  # the journeys keep their database only for the next journey
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (make test installs Debian's chromium where it can)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM must still work here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync",
                      "--autoplay-policy=no-user-gesture-required"],
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def phone_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page: Any, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def answer_correctly(page: Any, attempt: Any) -> None:
    """Tick the right option of every question on the open paper, waiting for each autosave."""
    from exams.models import QuestionVersion
    from exams.services.grading import to_displayed

    for item in attempt.paper:
        version = QuestionVersion.objects.get(pk=item["v"])
        letter = to_displayed(version.answer, item["p"])[0]
        page.evaluate("document.getElementById('save-status').textContent = ''")
        page.check(f"input[name=q_{version.pk}][value={letter}]")
        page.wait_for_function("() => document.getElementById('save-status').textContent === '已保存'")


def choose_organization(page: Any, field_id: str, name: str, trail: str = "") -> None:
    """Tick ``name`` (under ``trail`` when several share the name) in the organization chooser of ``field_id``
    (school.widgets): search for it, tick it in the results, and see it in the chosen list."""
    chooser = page.locator(f"#{field_id}-chooser")
    chooser.locator("[data-org-search]").fill(name)
    page.locator(f"#{field_id}-chooser[data-mode='search']").wait_for(state="attached")  # after the typing pause
    result = chooser.locator("[data-org-results] li", has_text=name)
    if trail:
        result = result.filter(has_text=trail)
    result.first.locator("input[type=checkbox]").check()
    chooser.locator("[data-org-chosen] li", has_text=name).filter(has_text=trail).first.wait_for()
