"""Desktop: a member passes an exam; within seconds the committee administrator's statistics page shows
the new pass rate with its 数据更新于; the branch ranking lists only branches; the drill-down to the ledger
shows the exam's title and the member's name."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from exams.models import Attempt
from school.credits.periods import periods_of_month
from school.credits.rules import ensure_default_rules
from school.credits.tasks import post_credit_task, refresh_member_metrics_task
from tests.e2e.conftest import ARTIFACTS, answer_correctly, login, shot
from tests.exams.builders import fill_bank, make_bank, make_exam
from tests.factories import PASSWORD, make_org

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desktop_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def tasks_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's part, run in the server's thread as soon as the outbox publishes."""
    monkeypatch.setattr(post_credit_task, "delay", lambda *args: post_credit_task.run(*args))
    monkeypatch.setattr(refresh_member_metrics_task, "delay", lambda *args: refresh_member_metrics_task.run(*args))


def test_it_shows_a_fresh_pass_rate_and_ranks_like_with_like(
        personas: Any, live_server: Any, browser: Any, desktop_page: Any, tasks_inline: None) -> None:
    ensure_default_rules(dt.date(2026, 1, 1))
    make_org(personas.a1, "第一党小组", "TA1G", "group")
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 3)
    exam = make_exam(personas.trainer, bank, targets=[personas.branch_group_a], title="党章知识小测验",
                     pass_mark=Decimal(60), sections=[
                         {"qtype": "single", "count": 3, "points": Decimal(20), "title": "单选题"}])
    member_context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    member_page = member_context.new_page()
    login(member_page, live_server.url, "xiaoming", PASSWORD)
    member_page.goto(live_server.url + reverse("exams:detail", args=[exam.pk]))
    member_page.click("#start-exam")
    member_page.wait_for_url("**/exams/attempts/*/")
    answer_correctly(member_page, Attempt.objects.get(member=personas.member, exam=exam))
    member_page.click("#submit-paper")
    member_page.click("#confirm-ok")  # the confirmation dialog (all answered)
    member_page.wait_for_url("**/result/")
    passed_at = time.monotonic()
    member_page.goto(live_server.url + reverse("my_ranking"))  # the member's 排行榜: when, and how ties are ordered
    assert "数据更新于 " in member_page.locator("[data-updated]").first.inner_text()
    assert "同一名次内按党员登记的先后顺序列出" in member_page.locator("[data-tie-break]").inner_text()
    shot(member_page, "stats-04-member-ranking-updated-and-tie-break")
    member_context.close()

    page = desktop_page
    page.emulate_media(reduced_motion="reduce")  # charts drawn at once (credits-charts.js), not mid-animation
    login(page, live_server.url, "root", PASSWORD)
    month = f"{timezone.localdate():%Y-%m}"
    page.goto(live_server.url + reverse("credits_admin:organization", args=[personas.district.pk]) + f"?period={month}")
    page.wait_for_selector("[data-updated]")
    assert time.monotonic() - passed_at < 10
    updated = page.locator("[data-updated]").first.inner_text()
    assert updated.startswith("数据更新于 ")
    assert "100.0%" in page.locator("[data-table=children]").inner_text()  # 机关党总支's exam pass rate
    shot(page, "stats-01-dashboard-fresh-pass-rate")
    # the quarter too: its rows are brought up to date from the event as the page is opened
    quarter = periods_of_month(month)[1]
    page.goto(live_server.url + reverse("credits_admin:organization", args=[personas.district.pk])
              + f"?period={quarter}")
    page.wait_for_selector("[data-updated]")
    assert "100.0%" in page.locator("[data-table=children]").inner_text()
    assert page.locator("[data-updated]").first.inner_text() == updated  # the same newest event
    shot(page, "stats-01c-quarter-at-once")
    page.goto(live_server.url + reverse("credits_admin:organization", args=[personas.district.pk]) + f"?period={month}")
    page.wait_for_selector("[data-updated]")

    # every chart is drawn (or says 暂无数据) and its table is one click away
    assert page.locator(".credits-chart[data-drawn='1']").count() >= 3
    assert "学习任务完成情况：暂无数据" in page.locator(".credits-charts").inner_text()  # no study task yet
    pass_rate_chart = page.locator("details[data-chart-table='3']")
    pass_rate_chart.locator("summary").click()
    assert "100.0" in pass_rate_chart.locator("table").inner_text()
    pass_rate_chart.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "stats-01b-chart-and-its-table.png"))

    page.click("text=组织排名")
    page.wait_for_selector("[data-table=org_ranking]")
    kinds = page.locator("[data-table=org_ranking] tbody tr td:nth-child(3)").all_inner_texts()
    assert kinds and set(kinds) == {"党支部"}
    assert "同一名次内按组织树顺序列出" in page.content()
    shot(page, "stats-02-branch-ranking")

    page.goto(live_server.url + reverse("credits_admin:member", args=[personas.member.pk]) + f"?period={month}")
    page.wait_for_selector("[data-table=ledger]")
    assert "党章知识小测验" in page.locator("[data-table=ledger]").inner_text()
    assert page.locator("nav strong").first.inner_text() == "小明"
    shot(page, "stats-03-ledger-titles-and-names")
