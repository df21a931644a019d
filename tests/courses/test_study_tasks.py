from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from courses.models import StudyProgress, StudyTask, TaskReminder
from courses.services.study_tasks import (
    completion_by_organization,
    create_task,
    send_task_reminders,
    tasks_for_member,
)
from school.models import Notification, Organization
from tests.courses.builders import make_course, make_reading
from tests.factories import make_member


def complete(member: Any, page: Any, when: dt.datetime | None = None) -> None:
    StudyProgress.objects.create(member=member, page=page, kind="reading", duration=60, required_seconds=60,
                                 watched_seconds=60, intervals=[[0, 60]], completed_at=when or timezone.now())


@pytest.fixture
def task(personas: Any, course: Any) -> Any:
    lessons = [make_reading(course, "第一课"), make_reading(course, "第二课")]
    today = timezone.localdate()
    task = create_task(title="党章学习任务", organization=personas.branch_group_a, starts_on=today - dt.timedelta(days=5),
                       ends_on=today + dt.timedelta(days=3), pages=[course], created_by=personas.admin_a)
    task.lessons = lessons  # type: ignore[attr-defined]
    return task


def test_it_computes_member_progress_from_completed_lessons(personas: Any, task: Any) -> None:
    complete(personas.member, task.lessons[0])
    [row] = tasks_for_member(personas.member)
    assert row.required == Decimal("2.00") and row.earned == Decimal("1.00") and row.percent == 50
    assert not row.complete and row.days_left == 3
    complete(personas.member, task.lessons[1])
    assert tasks_for_member(personas.member)[0].complete


def test_it_applies_tasks_to_the_subtree_and_to_members_who_join_later(personas: Any, task: Any) -> None:
    assert tasks_for_member(personas.member_x) == []
    newcomer = make_member(personas.a2, "newcomer", "新党员")
    assert [row.task.pk for row in tasks_for_member(newcomer)] == [task.pk]


def test_it_filters_by_political_status(personas: Any, course: Any) -> None:
    today = timezone.localdate()
    create_task(title="发展对象培训", organization=personas.district, starts_on=today, ends_on=today,
                pages=[course], political_statuses=["candidate"])
    assert tasks_for_member(personas.member) == []
    candidate = make_member(personas.a1, "fz", "发展对象", political_status="candidate")
    assert len(tasks_for_member(candidate)) == 1


def test_it_shows_completion_per_organization(personas: Any, task: Any) -> None:
    complete(personas.member, task.lessons[0])
    complete(personas.member, task.lessons[1])
    rows = {row.organization.code: row for row in completion_by_organization(task, Organization.objects.all())}
    assert (rows["TA"].members, rows["TA"].completed) == (2, 1)
    assert (rows["TA1"].members, rows["TA1"].completed, rows["TA1"].rate) == (1, 1, 100)
    assert (rows["TA2"].members, rows["TA2"].completed) == (1, 0)


def test_it_does_not_count_completions_after_the_deadline(personas: Any, task: Any) -> None:
    late = timezone.now() + dt.timedelta(days=10)
    complete(personas.member, task.lessons[0], late)
    assert tasks_for_member(personas.member)[0].earned == 0


def test_it_reminds_members_behind_schedule_once(personas: Any, task: Any) -> None:
    complete(personas.member, task.lessons[0])
    complete(personas.member, task.lessons[1])
    today = timezone.localdate()
    assert send_task_reminders(today - dt.timedelta(days=1)) == 0  # four days before: too early
    assert send_task_reminders(today) == 1
    assert send_task_reminders(today) == 0
    assert TaskReminder.objects.count() == 1
    [note] = Notification.objects.filter(kind="task_due")
    assert note.user_id == personas.member_a2.user_id and "党章学习任务" in note.title


def test_it_tells_every_member_in_scope_that_a_task_was_assigned(personas: Any, task: Any) -> None:
    told = set(Notification.objects.filter(kind="task_assigned").values_list("user_id", flat=True))
    assert told == {personas.member.user_id, personas.member_a2.user_id}


def test_it_lists_my_tasks_for_members(personas: Any, client_for: Any, task: Any) -> None:
    send_task_reminders()
    html = client_for(personas.member_a2.user).get("/tasks/").content.decode()
    assert "党章学习任务" in html and "我的任务" in html and "学时" in html
    assert not Notification.objects.filter(user=personas.member_a2.user, read_at__isnull=True).exists()
    assert "党章学习任务" not in client_for(personas.member_x.user).get("/tasks/").content.decode()


def test_it_lets_org_admins_create_and_follow_tasks_in_scope(personas: Any, client_for: Any, course: Any) -> None:
    admin = client_for(personas.admin_a)
    today = timezone.localdate().isoformat()
    response = admin.post("/admin/courses/tasks/add/", {
        "title": "支部学习", "organization": personas.a1.pk, "starts_on": today, "ends_on": today,
        "required_credits": "1", "pages": [course.pk]})
    assert response.status_code == 302
    task = StudyTask.objects.get()
    assert task.organization == personas.a1 and task.created_by == personas.admin_a
    detail = admin.get(f"/admin/courses/tasks/{task.pk}/")
    assert detail.status_code == 200 and "第一党支部" in detail.content.decode()
    assert client_for(personas.admin_x).get(f"/admin/courses/tasks/{task.pk}/").status_code == 404
    other_org = admin.post("/admin/courses/tasks/add/", {
        "title": "越权", "organization": personas.x1.pk, "starts_on": today, "ends_on": today,
        "required_credits": "0", "pages": [course.pk]})
    assert other_org.status_code == 200 and StudyTask.objects.count() == 1
    assert client_for(personas.member.user).get("/admin/courses/tasks/").status_code in (302, 403)


def test_it_offers_only_content_the_admins_organizations_may_open(personas: Any, client_for: Any,
                                                                  course: Any) -> None:
    ours = make_course("机关党总支专题", allowed=[personas.branch_group_a])
    theirs = make_course("X委专题", allowed=[personas.other_committee])
    theirs_lesson = make_reading(theirs, "X委专题第一课")
    form = client_for(personas.admin_a).get("/admin/courses/tasks/add/").content.decode()
    assert "党章学习" in form and "机关党总支专题" in form
    assert "X委专题" not in form and theirs_lesson.title not in form
    everything = client_for(personas.superuser).get("/admin/courses/tasks/add/").content.decode()
    assert "X委专题" in everything and "机关党总支专题" in everything
    other_side = client_for(personas.admin_x).get("/admin/courses/tasks/add/").content.decode()
    assert "X委专题" in other_side and ours.title not in other_side


def test_it_refuses_a_private_course_of_another_subtree(personas: Any, client_for: Any, course: Any) -> None:
    theirs = make_course("X委专题", allowed=[personas.other_committee])
    lesson = make_reading(theirs, "X委专题第一课")
    today = timezone.localdate().isoformat()
    for page in (theirs, lesson):
        response = client_for(personas.admin_a).post("/admin/courses/tasks/add/", {
            "title": "越权课程", "organization": personas.a1.pk, "starts_on": today, "ends_on": today,
            "required_credits": "0", "pages": [course.pk, page.pk]})
        assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not StudyTask.objects.exists()


def test_it_refuses_a_course_not_open_to_every_member_of_the_scope(personas: Any, client_for: Any,
                                                                   course: Any) -> None:
    branch_only = make_course("第一党支部专题", allowed=[personas.a1])
    today = timezone.localdate().isoformat()
    post = {"title": "总支学习", "starts_on": today, "ends_on": today, "required_credits": "0",
            "pages": [course.pk, branch_only.pk]}
    admin = client_for(personas.admin_a)
    whole_group = admin.post("/admin/courses/tasks/add/", {**post, "organization": personas.branch_group_a.pk})
    assert whole_group.status_code == 200
    assert "并非都能打开" in whole_group.content.decode() and "第一党支部专题" in whole_group.content.decode()
    assert not StudyTask.objects.exists()
    assert admin.post("/admin/courses/tasks/add/", {**post, "organization": personas.a1.pk}).status_code == 302
    task = StudyTask.objects.get()
    assert task.organization == personas.a1 and task.items.count() == 2


def test_it_rejects_a_deadline_before_the_start(personas: Any, client_for: Any, course: Any) -> None:
    response = client_for(personas.admin_a).post("/admin/courses/tasks/add/", {
        "title": "x", "organization": personas.a1.pk, "starts_on": "2026-05-02", "ends_on": "2026-05-01",
        "pages": [course.pk], "required_credits": "0"})
    assert response.status_code == 200 and not StudyTask.objects.exists()


def test_it_exports_completion_per_organization_to_excel(personas: Any, client_for: Any, task: Any) -> None:
    import io

    from openpyxl import load_workbook

    complete(personas.member, task.lessons[0])
    complete(personas.member, task.lessons[1])
    response = client_for(personas.admin_a).get(f"/admin/courses/tasks/{task.pk}/export/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("组织编码", "组织名称", "党员人数")
    assert ("TA1", "第一党支部", 1, 1, 1) in rows and ("TA2", "第二党支部", 1, 0, 0) in rows  # 完成率 100.0%, 0.0%
    assert sheet["E3"].number_format == "0.0%"
    assert client_for(personas.admin_x).get(f"/admin/courses/tasks/{task.pk}/export/").status_code == 404


def test_it_reminds_members_who_have_not_completed_with_one_action(
        personas: Any, client_for: Any, task: Any, django_capture_on_commit_callbacks: Any) -> None:
    from school.models import OutboxTask
    from school.tasks import remind_members

    complete(personas.member, task.lessons[0])
    complete(personas.member, task.lessons[1])
    admin = client_for(personas.admin_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin.post(f"/admin/courses/tasks/{task.pk}/remind/")
    assert response.status_code == 302 and len(callbacks) == 1
    queued = OutboxTask.objects.get(task="school.tasks.remind_members")
    assert remind_members(*queued.args) == 1
    assert remind_members(*queued.args) == 0  # a second delivery reminds nobody twice
    [note] = Notification.objects.filter(kind="reminder")
    assert note.user_id == personas.member_a2.user_id and "党章学习任务" in note.title
    page = admin.get(f"/admin/courses/tasks/{task.pk}/").content.decode()
    assert "data-reminded" in page
    assert client_for(personas.admin_x).post(f"/admin/courses/tasks/{task.pk}/remind/").status_code == 404
