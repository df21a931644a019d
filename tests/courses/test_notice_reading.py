"""Read tracking of notices for administrators: counts per organization down the tree (their subtree
only), the names of those who have not read it, the same list as Excel, and 一键提醒 through the Celery
task (once per member and day, audited)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from courses.models import NoticePage
from courses.services.notices import reading_by_organization
from school.models import AuditEvent, Notification, NotificationKind
from school.models.members import MemberStatus
from school.permissions import organizations_visible_to
from tests.courses.builders import make_notice, run_outbox
from tests.factories import make_member

pytestmark = pytest.mark.django_db

REMIND = "school.tasks.remind_members"


@pytest.fixture
def notice(personas: Any) -> NoticePage:
    """A district-wide notice asking for confirmation; its recipients are 小明 and 李四 (A1) and 小红 (A2)
    (小刚 belongs to another committee)."""
    make_member(personas.a1, "lisi", "李四", phone="13900139000")
    return make_notice("关于学习贯彻全会精神的通知", targets=[personas.district], confirm=True)


def test_it_counts_read_unread_and_confirmed_per_organization_down_the_tree(personas: Any, client_for: Any,
                                                                            notice: NoticePage) -> None:
    client_for(personas.member.user).get(notice.url)
    client_for(personas.member.user).post(f"/notice-confirm/{notice.pk}/")
    rows = {row.organization.code: (row.members, row.read, row.confirmed)
            for row in reading_by_organization(notice, organizations_visible_to(personas.admin_a))}
    assert rows == {"TA": (3, 1, 1), "TA1": (2, 1, 1), "TA2": (1, 0, 0)}  # A's subtree only, not the district
    page = client_for(personas.admin_a).get(f"/admin/courses/notices/{notice.pk}/").content.decode()
    assert 'data-org="TA1"' in page and 'data-org="T"' not in page and "50%" in page
    listing = client_for(personas.admin_a).get("/admin/courses/notices/").content.decode()
    assert "关于学习贯彻全会精神的通知" in listing and "33%" in listing


def test_it_counts_only_members_on_the_roll(personas: Any, notice: NoticePage) -> None:
    personas.member_a2.status = MemberStatus.TRANSFERRED
    personas.member_a2.save()
    rows = {row.organization.code: row.members
            for row in reading_by_organization(notice, organizations_visible_to(personas.superuser))}
    assert rows["T"] == 2 and rows["TA2"] == 0


def test_it_lists_the_names_of_those_who_have_not_read_it_and_drills_into_an_organization(
        personas: Any, client_for: Any, notice: NoticePage) -> None:
    client_for(personas.member.user).get(notice.url)
    admin = client_for(personas.admin_a)
    page = admin.get(f"/admin/courses/notices/{notice.pk}/unread/").content.decode()
    assert "李四" in page and "小红" in page and "小明" not in page
    assert "139****9000" in page and "13900139000" not in page  # masked like every member list
    drilled = admin.get(f"/admin/courses/notices/{notice.pk}/unread/?org={personas.a2.pk}").content.decode()
    assert "小红" in drilled and "李四" not in drilled
    assert admin.get(f"/admin/courses/notices/{notice.pk}/unread/?org={personas.x1.pk}").status_code == 404
    assert admin.get(f"/admin/courses/notices/{notice.pk}/unread/?org=abc").status_code == 404


def test_it_exports_the_same_rows_as_the_screen(personas: Any, client_for: Any, notice: NoticePage) -> None:
    admin = client_for(personas.admin_a)
    response = admin.get(f"/admin/courses/notices/{notice.pk}/unread/export/?org={personas.a1.pk}")
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("所在组织", "组织编码", "姓名", "手机号码")
    assert sorted(rows[1:]) == sorted([("第一党支部", "TA1", "李四", "139****9000"),
                                       ("第一党支部", "TA1", "小明", "138****8000")])
    page = admin.get(f"/admin/courses/notices/{notice.pk}/unread/?org={personas.a1.pk}").content.decode()
    on_screen = re.findall(r"<tr data-member=\"\d+\"><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", page)
    assert on_screen == [(org, name, phone) for org, _code, name, phone in rows[1:]]  # same rows, same order


def test_it_reminds_everyone_listed_once_a_day_through_the_task(personas: Any, client_for: Any,
                                                                notice: NoticePage) -> None:
    client_for(personas.member.user).get(notice.url)
    admin = client_for(personas.admin_a)
    response = admin.post(f"/admin/courses/notices/{notice.pk}/remind/")
    assert response.status_code == 302
    assert run_outbox(REMIND) == [2]  # 小红 and 李四; 小明 read it
    reminders = Notification.objects.filter(kind=NotificationKind.REMINDER)
    assert {n.user.member.name for n in reminders} == {"小红", "李四"}
    assert all(n.url == notice.url for n in reminders)
    assert AuditEvent.objects.filter(data__item=f"notice:{notice.pk}").count() == 1
    admin.post(f"/admin/courses/notices/{notice.pk}/remind/")
    assert run_outbox(REMIND) == [0]  # the same day: nobody twice, no second audit row
    assert reminders.count() == 2 and AuditEvent.objects.filter(data__item=f"notice:{notice.pk}").count() == 1
    page = admin.get(f"/admin/courses/notices/{notice.pk}/unread/").content.decode()
    assert "data-reminded" in page and "2" in page


def test_it_reminds_only_the_drilled_organization(personas: Any, client_for: Any, notice: NoticePage) -> None:
    client_for(personas.admin_a).post(f"/admin/courses/notices/{notice.pk}/remind/", {"org": personas.a2.pk})
    assert run_outbox(REMIND) == [1]
    assert Notification.objects.get(kind=NotificationKind.REMINDER).user_id == personas.member_a2.user_id


def test_it_keeps_other_administrators_and_members_out(personas: Any, client_for: Any, notice: NoticePage) -> None:
    x_notice = make_notice("另一区委的通知", targets=[personas.x1])
    for url in (f"/admin/courses/notices/{x_notice.pk}/", f"/admin/courses/notices/{x_notice.pk}/unread/",
                f"/admin/courses/notices/{x_notice.pk}/unread/export/"):
        assert client_for(personas.admin_a).get(url).status_code == 404
    assert client_for(personas.admin_a).post(f"/admin/courses/notices/{x_notice.pk}/remind/").status_code == 404
    assert "另一区委的通知" not in client_for(personas.admin_a).get("/admin/courses/notices/").content.decode()
    # the district-wide notice is above X's scope and has no recipient in it: X's administrator sees no names
    page = client_for(personas.admin_x).get(f"/admin/courses/notices/{notice.pk}/unread/")
    assert page.status_code == 404
    assert client_for(personas.member.user).get(f"/admin/courses/notices/{notice.pk}/").status_code in (302, 403)
    assert not Notification.objects.filter(kind=NotificationKind.REMINDER).exists()
