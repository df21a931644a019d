"""通知公告 in Chromium: the system administrator publishes a notice to general branch A in the Wagtail
editor; 小明 (phone, 390×844) sees the badge, reads and confirms it; A's administrator sees the read rate
go up (0 % → 50 %) and reminds the rest with one action; 小红 finds the reminder in her bell.
Screenshots: test-artifacts/notice-*.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from courses.models import NoticePage, NoticeRead
from courses.services.site import ensure_site_pages
from school.models import Notification
from tests.e2e.conftest import PHONE, choose_organization, login, shot
from tests.e2e.journey_steps import DESKTOP
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "关于开展七一主题党日活动的通知"


@pytest.fixture
def eager() -> Any:
    from school.celery import app

    before = app.conf.task_always_eager
    app.conf.update(task_always_eager=True)
    yield
    app.conf.update(task_always_eager=before)


def admin_login(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(locale="zh-CN", **DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    return page


def test_it_publishes_a_notice_that_members_read_and_the_rest_are_reminded(
        personas: Any, wagtail_site: Any, live_server: Any, browser: Any, phone_page: Any, eager: Any) -> None:
    base = live_server.url
    board = ensure_site_pages().notices

    # The system administrator writes the notice for 机关党总支 (A), asks for confirmation and publishes it.
    root = admin_login(browser, base, personas.superuser.username)
    root.goto(f"{base}/admin/pages/add/courses/noticepage/{board.pk}/")
    root.fill("#id_title", TITLE)
    root.locator(".Draftail-Editor [contenteditable=true]").first.click()
    root.keyboard.type("请各党支部于7月1日上午9时组织党员参加主题党日活动。")
    choose_organization(root, "id_target_organizations", personas.branch_group_a.name)  # the tree chooser
    root.check("#id_requires_confirmation")
    shot(root, "notice-01-editor")
    root.click("footer [data-w-dropdown-target=toggle]")
    root.click("button[name=action-publish]")
    root.wait_for_url(f"**/admin/pages/{board.pk}/")
    notice = NoticePage.objects.get(title=TITLE)
    assert notice.live
    assert set(Notification.objects.filter(kind="notice_published").values_list("user_id", flat=True)) == {
        personas.member.user_id, personas.member_a2.user_id}  # the fan-out ran (eagerly) after the publish
    shot(root, "notice-02-published")
    root.context.close()

    # A's administrator: nobody has read it yet.
    admin = admin_login(browser, base, personas.admin_a.username)
    admin.goto(f"{base}/admin/courses/notices/")
    row = admin.locator(f"[data-notice='{notice.pk}']")
    assert row.locator("td").nth(4).inner_text().strip() == "0%"
    shot(admin, "notice-03-admin-before")
    # Two days later nobody has read it yet: the administrator's dashboard lists it among the to-dos.
    NoticePage.objects.filter(pk=notice.pk).update(first_published_at=timezone.now() - dt.timedelta(days=2))
    dashboard = admin.context.new_page()
    dashboard.goto(f"{base}/admin/")
    assert "已读 0 / 2 人（0%）" in dashboard.locator("[data-todo='notices_low_read']").inner_text()
    shot(dashboard, "notice-03b-admin-dashboard-low-read")
    dashboard.close()
    NoticePage.objects.filter(pk=notice.pk).update(first_published_at=timezone.now())

    # 小明 on his phone: the badge on 通知公告 and the home panel; he opens the notice and confirms it.
    member = phone_page
    login(member, base, personas.member.user.username, PASSWORD)
    member.goto(f"{base}/")
    assert member.locator("[data-nav=notices] [data-nav-badge]").inner_text() == "1"
    assert member.locator("[data-panel=notices]", has_text=TITLE).count() == 1
    assert member.evaluate("document.documentElement.scrollWidth") <= 390  # PHONE viewport: nothing cut off
    shot(member, "notice-04-member-home")
    member.click("[data-nav=notices]")
    member.wait_for_url("**/notices/")
    assert member.locator("[data-unread-tag]").count() == 1
    shot(member, "notice-05-member-board")
    member.click(f"text={TITLE}")
    member.wait_for_selector("[data-confirm]")
    box = member.locator("[data-confirm]").bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    shot(member, "notice-06-member-notice")
    member.click("[data-confirm]")
    member.wait_for_selector("[data-confirmed]")
    assert NoticeRead.objects.get(notice=notice, member=personas.member).confirmed_at is not None
    assert member.locator("[data-nav=notices] [data-nav-badge]").count() == 0
    shot(member, "notice-07-member-confirmed")

    # The administrator sees the rate go up, drills to the names and reminds them with one action.
    admin.reload()
    assert admin.locator(f"[data-notice='{notice.pk}'] td").nth(4).inner_text().strip() == "50%"
    admin.click(f"text={TITLE}")
    admin.wait_for_selector("[data-reading]")
    assert admin.locator("[data-org=TA1] [data-rate]").inner_text() == "100%"
    assert admin.locator("[data-org=TA2] [data-rate]").inner_text() == "0%"
    shot(admin, "notice-08-admin-reading")
    admin.click("[data-unread-link]")
    admin.wait_for_selector("[data-unread-list]")
    assert admin.locator("[data-unread-list] tbody tr").all_inner_texts() == [
        f"{personas.a2.name}\t{personas.member_a2.name}\t"]
    admin.click("[data-remind] button")
    admin.wait_for_selector("[data-reminded]")
    assert "正在提醒 1 名未读党员" in admin.content()
    assert "1" in admin.locator("[data-reminded]").inner_text()
    shot(admin, "notice-09-admin-reminded")
    admin.context.close()

    # 小红 finds the reminder in her bell, next to the notice itself.
    member = browser.new_context(locale="zh-CN", **PHONE).new_page()
    member.set_default_timeout(15_000)
    login(member, base, personas.member_a2.user.username, PASSWORD)
    member.goto(f"{base}/")
    assert member.locator("[data-bell] [data-unread]").inner_text() == "2"
    member.click("[data-bell]")
    member.wait_for_url("**/notifications/")
    assert f"请阅读通知：{TITLE}" in member.content()
    shot(member, "notice-10-reminded-member-bell")
    member.click(f"text=请阅读通知：{TITLE}")
    member.wait_for_selector("[data-confirm]")
    assert NoticeRead.objects.filter(notice=notice, member=personas.member_a2).exists()
    member.context.close()
