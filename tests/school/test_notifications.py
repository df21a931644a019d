"""The notification centre: set-based fan-out, the bell, the list, reminders once per day (一键提醒)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from school.models import AuditEvent, Member, Notification, NotificationKind
from school.services.notifications import do_notify, do_remind, reminder_status
from school.tasks import remind_members

pytestmark = pytest.mark.django_db


def test_it_fans_out_to_a_subtree_in_one_insert(personas: Any) -> None:
    subtree = Member.objects.filter(organization__path__startswith=personas.branch_group_a.path)
    with CaptureQueriesContext(connection) as queries:
        written = do_notify(subtree.values("user_id"), kind=NotificationKind.NOTICE_PUBLISHED, title="学习通知",
                            url="/tasks/")
    inserts = [q for q in queries.captured_queries if "INSERT" in q["sql"].upper()]
    assert written == 2 and len(inserts) == 1
    assert set(Notification.objects.values_list("user_id", flat=True)) == {
        personas.member.user_id, personas.member_a2.user_id}


def test_it_sends_a_deduplicated_notification_once(personas: Any) -> None:
    ids = [personas.member.user_id]
    assert do_notify(ids, kind=NotificationKind.EXAM_OPENED, title="考试开放", dedupe_key="exam:1") == 1
    assert do_notify(ids, kind=NotificationKind.EXAM_OPENED, title="考试开放", dedupe_key="exam:1") == 0
    assert Notification.objects.count() == 1


def test_it_shows_the_unread_count_in_the_bell(personas: Any, client_for: Any) -> None:
    do_notify([personas.member.user_id], kind=NotificationKind.REMINDER, title="请完成学习")
    html = client_for(personas.member.user).get("/").content.decode()
    assert 'data-unread>1<' in html
    assert "data-unread" not in client_for(personas.member_a2.user).get("/").content.decode()


def test_it_marks_a_notification_read_when_opened_and_follows_its_link(personas: Any, client_for: Any) -> None:
    do_notify([personas.member.user_id], kind=NotificationKind.TASK_ASSIGNED, title="新学习任务", url="/tasks/")
    note = Notification.objects.get()
    client = client_for(personas.member.user)
    listing = client.get("/notifications/").content.decode()
    assert "新学习任务" in listing and "unread" in listing
    response = client.get(f"/notifications/{note.pk}/")
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_it_hides_other_users_notifications(personas: Any, client_for: Any) -> None:
    do_notify([personas.member.user_id], kind=NotificationKind.REMINDER, title="个人提醒")
    note = Notification.objects.get()
    assert client_for(personas.member_a2.user).get(f"/notifications/{note.pk}/").status_code == 404
    assert "个人提醒" not in client_for(personas.member_a2.user).get("/notifications/").content.decode()
    note.refresh_from_db()
    assert note.read_at is None


def test_it_marks_all_read(personas: Any, client_for: Any) -> None:
    for title in ("一", "二"):
        do_notify([personas.member.user_id], kind=NotificationKind.REMINDER, title=title)
    client = client_for(personas.member.user)
    assert client.post("/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert "data-unread" not in client.get("/").content.decode()


def test_it_reminds_members_once_per_day_within_the_admins_scope(personas: Any) -> None:
    listed = [personas.member.pk, personas.member_a2.pk, personas.member_x.pk]
    assert do_remind(personas.admin_a, listed, item_key="task:1", title="请完成党章学习", url="/tasks/") == 2
    assert remind_members(personas.admin_a.pk, listed, "task:1", "请完成党章学习", "/tasks/") == 0  # safe twice
    assert not Notification.objects.filter(user=personas.member_x.user).exists()
    status = reminder_status("task:1")
    assert status.count == 2 and status.at is not None
    event = AuditEvent.objects.get(action="members_reminded")
    assert event.actor == personas.admin_a and event.data["sent"] == 2


def test_it_reminds_the_members_who_have_not_studied_in_one_action(
        personas: Any, client_for: Any, django_capture_on_commit_callbacks: Any) -> None:
    from django.urls import reverse

    from school.models import OutboxTask

    admin = client_for(personas.admin_a)
    idle = reverse("credits_admin:idle", args=[personas.branch_group_a.pk]) + "?period=all"
    assert "data-remind" in admin.get(idle).content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        response = admin.post(reverse("credits_admin:idle_remind", args=[personas.branch_group_a.pk]) + "?period=all")
    assert response.status_code == 302
    queued = OutboxTask.objects.get(task="school.tasks.remind_members")
    assert remind_members(*queued.args) == 2
    assert set(Notification.objects.values_list("user_id", flat=True)) == {
        personas.member.user_id, personas.member_a2.user_id}
    assert "data-reminded" in admin.get(idle).content.decode()
    bad = admin.post(reverse("credits_admin:idle_remind", args=[personas.branch_group_a.pk]) + "?period=x")
    assert bad.status_code == 400


def test_it_refuses_reminders_outside_the_admins_scope(personas: Any, client_for: Any) -> None:
    from django.urls import reverse

    response = client_for(personas.admin_x).post(
        reverse("credits_admin:idle_remind", args=[personas.branch_group_a.pk]) + "?period=all")
    assert response.status_code == 404
    from school.models import OutboxTask
    assert not OutboxTask.objects.exists() and not Notification.objects.exists()


def test_it_emails_only_those_who_chose_email(
        personas: Any, client_for: Any, settings: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any) -> None:
    from school.tasks import deliver_notification_batch

    settings.NOTIFICATIONS_EMAIL = True
    for member in (personas.member, personas.member_a2):
        member.user.email = f"{member.user.username}@example.cn"
        member.user.save(update_fields=["email"])
    client = client_for(personas.member.user)
    assert client.post("/notifications/preferences/", {"email": "maybe"}).status_code == 400
    assert client.post("/notifications/preferences/", {"email": "on"}).status_code == 302
    with django_capture_on_commit_callbacks(execute=False):
        do_notify([personas.member.user_id, personas.member_a2.user_id], kind=NotificationKind.REMINDER, title="请学习")
    batch = Notification.objects.values_list("batch", flat=True).first()
    assert batch and deliver_notification_batch(batch) == (1, 0)
    assert deliver_notification_batch(batch) == (0, 0)  # safe twice
    assert [m.to for m in mailoutbox] == [[personas.member.user.email]] and mailoutbox[0].subject == "请学习"
