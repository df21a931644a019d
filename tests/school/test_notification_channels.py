"""Delivery channels of the notification centre: in-site always; SMS (through SMS_BACKEND) and e-mail for
members who chose them, sent by the Celery task after commit, never in the request; SMS held back during
the quiet hours (default 22:00–08:00) and sent after them by a beat task that is safe to run twice."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest

from school.accounts import sms
from school.models import Notification, NotificationKind, OutboxTask
from school.models.notifications import SmsState
from school.services.notifications import do_notify, do_set_preferences, in_quiet_hours, send_held_sms
from school.tasks import deliver_notification_batch
from school.tasks import send_held_sms as send_held_sms_task

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 7, 1, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def channels(settings: Any) -> list[Any]:
    settings.NOTIFICATIONS_SMS = True
    settings.SMS_BACKEND = "school.accounts.sms.LocmemSmsBackend"
    settings.TIME_ZONE = "Asia/Shanghai"
    sms.outbox.clear()
    return sms.outbox


def notify_both(personas: Any) -> str:
    do_notify([personas.member.user_id, personas.member_a2.user_id], kind=NotificationKind.NOTICE_PUBLISHED,
              title="关于开展主题党日活动的通知", url="/notices/")
    return str(Notification.objects.values_list("batch", flat=True).first())


def test_it_texts_only_members_who_chose_sms_and_have_a_number(personas: Any, channels: list[Any],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("school.services.notifications.in_quiet_hours", lambda moment=None: False)
    do_set_preferences(personas.member.user, sms=True)  # 小明 has 13800138000
    do_set_preferences(personas.member_a2.user, sms=True)  # 小红 has no mobile number
    batch = notify_both(personas)
    assert deliver_notification_batch(batch) == (0, 1)
    assert [(m.phone, m.text) for m in channels] == [
        ("13800138000", "【数字党校】关于开展主题党日活动的通知。请登录数字党校查看。")]
    assert Notification.objects.count() == 2  # in-site for both, always
    assert deliver_notification_batch(batch) == (0, 0) and len(channels) == 1  # the task redelivered: no 2nd SMS
    row = Notification.objects.get(user=personas.member.user)
    assert row.sms_state == SmsState.SENT and row.sms_sent_at is not None


def test_it_holds_sms_in_quiet_hours_and_sends_them_afterwards_once(personas: Any, channels: list[Any]) -> None:
    do_set_preferences(personas.member.user, sms=True)
    batch = notify_both(personas)
    from school.services.notifications import mark_sms_wanted

    assert mark_sms_wanted(batch) == 1
    assert send_held_sms(now=at(23, 30)) == 0 and send_held_sms(now=at(7, 59)) == 0  # 22:00–08:00: quiet
    assert Notification.objects.get(user=personas.member.user).sms_state == SmsState.PENDING and not channels
    assert send_held_sms(now=at(8, 0)) == 1
    assert send_held_sms(now=at(8, 5)) == 0  # the beat's next run (or a second worker): nothing twice
    assert len(channels) == 1


def test_it_reads_the_quiet_hours_from_the_setting(settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Shanghai"
    assert in_quiet_hours(at(22, 0)) and in_quiet_hours(at(3)) and not in_quiet_hours(at(12))
    settings.NOTIFICATIONS_SMS_QUIET_HOURS = "12:00-13:30"
    assert in_quiet_hours(at(12, 30)) and not in_quiet_hours(at(23))
    settings.NOTIFICATIONS_SMS_QUIET_HOURS = "00:00-00:00"
    assert not in_quiet_hours(at(3))


def test_it_sends_through_celery_never_in_the_request(personas: Any, client_for: Any, channels: list[Any],
                                                      django_capture_on_commit_callbacks: Any) -> None:
    from tests.courses.builders import run_outbox

    do_set_preferences(personas.member.user, sms=True)
    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(personas.admin_a).post(
            f"/admin/stats/organizations/{personas.branch_group_a.pk}/idle/remind/?period=all")
    assert response.status_code == 302 and not channels  # the request only queued the reminder
    run_outbox("school.tasks.remind_members")
    assert OutboxTask.objects.filter(task="school.tasks.deliver_notification_batch").exists() and not channels


def test_it_marks_a_refused_sms_failed_and_keeps_the_notification(personas: Any, channels: list[Any],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Any, message: Any) -> None:
        raise sms.SmsError("provider down")

    monkeypatch.setattr(sms.LocmemSmsBackend, "send", refuse)
    monkeypatch.setattr("school.services.notifications.in_quiet_hours", lambda moment=None: False)
    do_set_preferences(personas.member.user, sms=True)
    assert deliver_notification_batch(notify_both(personas)) == (0, 0)
    row = Notification.objects.get(user=personas.member.user)
    assert row.sms_state == SmsState.FAILED and row.read_at is None
    assert send_held_sms_task() == 0  # a failed message is not retried by the sweep


def test_it_sends_nothing_by_sms_when_the_site_offers_no_sms(personas: Any, channels: list[Any], settings: Any) -> None:
    settings.NOTIFICATIONS_SMS = False
    do_set_preferences(personas.member.user, sms=True)
    batch = notify_both(personas)
    assert deliver_notification_batch(batch) == (0, 0) and not channels
    assert not Notification.objects.exclude(sms_state="").exists()


def test_it_lets_a_member_choose_sms_on_the_notification_page(personas: Any, client_for: Any,
                                                              channels: list[Any]) -> None:
    client = client_for(personas.member.user)
    page = client.get("/notifications/").content.decode()
    assert "data-sms-preferences" in page and "同时发短信给我" in page
    assert client.post("/notifications/preferences/", {"sms": "on"}).status_code == 302
    page = client.get("/notifications/").content.decode()
    assert "22:00–08:00" in page and "不再发短信" in page
    refused = client.post("/notifications/preferences/", {"sms": "yes"})
    assert refused.status_code == 400 and "短信" in refused.content.decode()
    assert client.post("/notifications/preferences/", {"sms": "on", "email": "on"}).status_code == 400
    assert "data-sms-preferences" not in client_for(personas.member_a2.user).get("/notifications/").content.decode()
