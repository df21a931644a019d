"""Desktop: the administrator of 机关党总支 clicks 立即重新计算 on the statistics page, sees it queued with its
progress, a second click says it is already running, and once the worker ran it the page says 已完成."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from school.credits.models import RecomputeRequest
from school.credits.tasks import recompute_request_task
from tests.e2e.conftest import login, shot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desktop_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_it_queues_a_subtree_recompute_once_and_shows_its_progress(
        personas: Any, live_server: Any, desktop_page: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(recompute_request_task, "delay", lambda *args: sent.append(args))  # the worker is "busy"
    page = desktop_page
    login(page, live_server.url, "admin_a", PASSWORD)
    page.goto(live_server.url + reverse("credits_admin:organization", args=[personas.branch_group_a.pk]))
    page.click("text=立即重新计算")
    page.wait_for_selector("[data-recompute][data-state=queued]")
    assert "已提交机关党总支的重新计算，进度显示在本页。" in page.content()
    assert "重新计算：排队中" in page.locator("[data-recompute]").inner_text()
    shot(page, "stats-recompute-01-queued")

    page.click("text=立即重新计算")
    page.wait_for_load_state()
    assert "机关党总支的重新计算已在进行（排队中" in page.content()
    assert RecomputeRequest.objects.count() == 1 and len(sent) == 1
    shot(page, "stats-recompute-02-already-running")

    assert recompute_request_task.run(*sent[0]) == "done"
    page.reload()
    page.wait_for_selector("[data-recompute][data-state=done]")
    assert "重新计算：已完成" in page.locator("[data-recompute]").inner_text()
    shot(page, "stats-recompute-03-done")
