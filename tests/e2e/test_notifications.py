"""一键提醒 in Chromium: the administrator of general branch A (desktop) reminds the members who have not
completed a study task with one action; the member (phone, 390×844) sees the bell's count go up, opens the
reminder and lands on 我的任务. Screenshots: test-artifacts/notify-*.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from courses.services.study_tasks import create_task
from school.models import Notification
from tests.courses.builders import make_course, make_reading
from tests.e2e.conftest import login, shot
from tests.e2e.journey_steps import DESKTOP
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def eager() -> Any:
    from school.celery import app

    before = app.conf.task_always_eager
    app.conf.update(task_always_eager=True)
    yield
    app.conf.update(task_always_eager=before)


def test_it_reminds_the_rest_with_one_action_and_the_member_sees_it_in_the_bell(
        personas: Any, wagtail_site: Any, live_server: Any, browser: Any, phone_page: Any, eager: Any) -> None:
    course = make_course("党章专题学习")
    make_reading(course)
    today = timezone.localdate()
    task = create_task(title="党章专题学习任务", organization=personas.branch_group_a, starts_on=today,
                       ends_on=today + dt.timedelta(days=10), pages=[course], created_by=personas.admin_a)

    member = phone_page
    login(member, live_server.url, personas.member.user.username, PASSWORD)
    member.goto(f"{live_server.url}/")
    assert member.locator("[data-bell] [data-unread]").inner_text() == "1"  # the task was assigned
    shot(member, "notify-01-member-bell-task-assigned")

    context = browser.new_context(locale="zh-CN", **DESKTOP)
    admin = context.new_page()
    admin.set_default_timeout(20_000)
    admin.goto(f"{live_server.url}/admin/login/")
    admin.fill("#id_username", "admin_a")
    admin.fill("#id_password", PASSWORD)
    admin.click("button[type=submit]")
    admin.wait_for_url("**/admin/")
    admin.goto(f"{live_server.url}/admin/courses/tasks/{task.pk}/")
    admin.click("[data-remind] button")
    admin.wait_for_selector("[data-reminded]")
    assert "2" in admin.locator("[data-reminded]").inner_text()
    assert "正在提醒 2 名未完成任务的党员" in admin.content()
    shot(admin, "notify-02-admin-reminded")
    context.close()

    member.reload()
    assert member.locator("[data-bell] [data-unread]").inner_text() == "2"
    member.click("[data-bell]")
    member.wait_for_url("**/notifications/")
    assert member.locator(".notification.unread").count() == 2
    assert "请完成学习任务：党章专题学习任务" in member.content()
    assert member.evaluate("document.documentElement.scrollWidth") <= 390
    shot(member, "notify-03-member-notifications")
    member.click("text=请完成学习任务：党章专题学习任务")
    member.wait_for_url("**/tasks/")
    # 我的任务 shows (and so marks read) the task's own notifications: the bell is empty again.
    assert member.locator("[data-bell] [data-unread]").count() == 0
    reminder = Notification.objects.get(user=personas.member.user, kind="reminder")
    assert reminder.read_at is not None
    shot(member, "notify-04-member-tasks")
