"""The organization chooser (school.widgets): one widget in every admin form that picks organizations, the tree
fetched lazily within the user's scope, searchable by name or code, same-named groups told apart by their
parents, and out-of-scope organizations refused even when posted by hand."""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import StudyTask
from exams.models import Exam
from school import services
from school.models import Member, Organization
from tests.courses.builders import make_course
from tests.exams.builders import make_bank, make_exam
from tests.factories import make_org, make_user

pytestmark = pytest.mark.django_db
CHOOSE = "/admin/school/organizations/choose/"


@pytest.fixture
def six_groups(personas: Any) -> list[Organization]:
    """Six party groups all called 第一党小组, under six branches (three under A's general branch)."""
    groups = []
    for n, parent in enumerate([personas.a1, personas.a2, personas.x1]):
        for m in range(2):
            branch = make_org(parent, f"第{n}{m}支部小组片", f"G{n}{m}", "branch")
            groups.append(make_org(branch, "第一党小组", f"G{n}{m}1", "group"))
    return groups


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response
    return [row["name"] for row in response.json()["results"]]


def test_it_browses_the_tree_one_level_at_a_time_within_the_admins_scope(personas: Any, client_for: Any) -> None:
    admin_a = client_for(personas.admin_a)
    roots = admin_a.get(CHOOSE).json()["results"]
    assert [(r["name"], r["code"], r["trail"], r["has_children"]) for r in roots] == [
        ("机关党总支", "TA", "中共测试区委", True)]
    assert names(admin_a.get(CHOOSE, {"parent": personas.branch_group_a.pk})) == ["第一党支部", "第二党支部"]
    # Another committee's organizations: not listed, not searchable, not browsable.
    assert admin_a.get(CHOOSE, {"parent": personas.other_committee.pk}).status_code == 404
    assert names(admin_a.get(CHOOSE, {"q": "某某"})) == []
    assert names(admin_a.get(CHOOSE, {"q": "X1"})) == []
    # The superuser and a trainer without an administrator scope start from the roots of the whole tree.
    for user in (personas.superuser, personas.trainer):
        assert names(client_for(user).get(CHOOSE)) == ["中共测试区委", "中共另一区委"]
    # Members have no admin at all.
    assert client_for(personas.member.user).get(CHOOSE).status_code == 302


def test_it_tells_same_named_groups_apart_by_their_parents(personas: Any, client_for: Any,
                                                           six_groups: list[Organization]) -> None:
    everyone = client_for(personas.superuser).get(CHOOSE, {"q": "第一党小组"}).json()["results"]
    assert len(everyone) == 6
    trails = [row["trail"] for row in everyone]
    assert len(set(trails)) == 6, trails
    assert "中共测试区委 / 机关党总支 / 第一党支部 / 第00支部小组片" in trails
    assert "中共另一区委 / 某某党支部 / 第21支部小组片" in trails
    # By code, and only within the scope: admin_a finds the four groups under A.
    assert names(client_for(personas.superuser).get(CHOOSE, {"q": "g211"})) == ["第一党小组"]
    mine = client_for(personas.admin_a).get(CHOOSE, {"q": "第一党小组"}).json()["results"]
    assert [row["code"] for row in mine] == ["G001", "G011", "G101", "G111"]


def queries(client: Any, **params: Any) -> tuple[int, dict[str, Any]]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(CHOOSE, params)
    assert response.status_code == 200
    return len(context), response.json()


def test_it_pages_large_levels_with_as_many_queries_as_small_ones(personas: Any, client_for: Any) -> None:
    parent = personas.a1
    for n in range(130):
        make_org(parent, f"党小组{n:03d}", f"TA1-{n:03d}", "group")
    admin_a = client_for(personas.admin_a)
    small_count, small = queries(admin_a, parent=personas.branch_group_a.pk)
    assert len(small["results"]) == 2
    big_count, first = queries(admin_a, parent=parent.pk)
    assert len(first["results"]) == 100 and first["more"] is True
    assert big_count == small_count  # the children and their parents' names: one query each, whatever the size
    rest = admin_a.get(CHOOSE, {"parent": parent.pk, "offset": first["next_offset"]}).json()
    assert len(rest["results"]) == 30 and rest["more"] is False
    assert {r["code"] for r in first["results"]} | {r["code"] for r in rest["results"]} == {
        f"TA1-{n:03d}" for n in range(130)}
    search_count, found = queries(admin_a, q="党小组")
    assert len(found["results"]) == 50 and found["more"] is True
    assert search_count <= small_count
    assert "50" in found["message"] and "名称或代码" in found["message"]


def test_the_member_form_refuses_an_organization_outside_the_scope_posted_by_hand(personas: Any,
                                                                                  client_for: Any) -> None:
    client = client_for(personas.admin_a)
    form = client.get("/admin/school/members/add/").content.decode()
    assert "data-org-chooser" in form and "school/org-chooser.js" in form
    assert "某某党支部" not in form  # nothing is rendered but the (empty) choice: the tree is fetched lazily
    data = {"name": "越权党员", "username": "yuequan", "political_status": "full", "status": "active",
            "id_number": "11010519491231002X"}
    refused = client.post("/admin/school/members/add/", {**data, "organization": personas.x1.pk})
    assert refused.status_code == 200
    assert "该组织不存在，或不在您可选择的范围内" in refused.content.decode()
    assert not Member.objects.filter(name="越权党员").exists()
    accepted = client.post("/admin/school/members/add/", {**data, "organization": personas.a2.pk})
    assert accepted.status_code == 302
    member = Member.objects.get(name="越权党员")
    assert member.organization == personas.a2
    edit = client.get(f"/admin/school/members/{member.pk}/").content.decode()
    # The chosen organization is shown ticked with its code and its parents.
    assert f'value="{personas.a2.pk}" checked' in edit and "第二党支部" in edit and "（TA2）" in edit
    assert "中共测试区委 / 机关党总支" in edit


def test_the_study_task_form_refuses_an_organization_outside_the_scope(personas: Any, client_for: Any) -> None:
    course = make_course("党章学习")
    today = timezone.localdate().isoformat()
    data = {"title": "越权任务", "starts_on": today, "ends_on": today, "required_credits": "0",
            "pages": [course.pk]}
    refused = client_for(personas.admin_a).post("/admin/courses/tasks/add/", {**data, "organization": personas.x1.pk})
    assert refused.status_code == 200 and "不在您可选择的范围内" in refused.content.decode()
    assert not StudyTask.objects.exists()
    assert client_for(personas.admin_x).post("/admin/courses/tasks/add/",
                                             {**data, "organization": personas.x1.pk}).status_code == 302
    assert StudyTask.objects.get().organization == personas.x1


def ticked(html: str, name: str) -> list[str]:
    document = lxml.html.fromstring(html)
    return [box.get("value") for box in document.xpath(f'//input[@name="{name}" and @checked]')]


def exam_data(exam: Exam, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": exam.title, "description": "", "time_limit_minutes": "60", "pass_mark": "6",
        "attempts_allowed": "1", "opens_at": "", "closes_at": "", "multiple_policy": "all",
        "review_policy": "after_submit", "shuffle_questions": "on", "shuffle_options": "on",
        "sections-TOTAL_FORMS": "0", "sections-INITIAL_FORMS": "0", "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_the_exam_form_picks_organizations_and_chinese_statuses(personas: Any, client_for: Any) -> None:
    exam = make_exam(personas.trainer, make_bank(personas.trainer), publish=False, sections=[])
    Exam.objects.filter(pk=exam.pk).update(target_statuses=["probationary"])
    trainer = client_for(personas.trainer)
    page = trainer.get(f"/admin/exams_exam/edit/{exam.pk}/").content.decode()
    for label in ("正式党员", "预备党员", "发展对象", "入党积极分子"):
        assert label in page
    assert ticked(page, "target_statuses") == ["probationary"]
    assert "data-org-chooser" in page
    response = trainer.post(f"/admin/exams_exam/edit/{exam.pk}/", exam_data(
        exam, target_statuses=["candidate", "full"], target_organizations=[personas.a1.pk, personas.x1.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    exam.refresh_from_db()
    assert exam.target_statuses == ["full", "candidate"]  # stored as before: the codes, in the choices' order
    assert set(exam.target_organizations.all()) == {personas.a1, personas.x1}
    page = trainer.get(f"/admin/exams_exam/edit/{exam.pk}/").content.decode()
    assert f'value="{personas.x1.pk}" checked' in page and "中共另一区委" in page
    assert ticked(page, "target_statuses") == ["full", "candidate"]
    assert "Development candidate" not in page and "Values:" not in page


def test_a_trainer_who_administers_a_subtree_picks_only_inside_it_but_keeps_earlier_choices(
        personas: Any, client_for: Any) -> None:
    trainer_a = make_user("trainer_a")
    services.grant_trainer(trainer_a)
    services.grant_org_admin(trainer_a, personas.branch_group_a)
    exam = make_exam(personas.trainer, make_bank(personas.trainer), publish=False, sections=[],
                     targets=[personas.x1])
    client = client_for(trainer_a)
    url = f"/admin/exams_exam/edit/{exam.pk}/"
    # X1 was chosen by someone with a wider scope: it is kept when the form is saved again...
    kept = client.post(url, exam_data(exam, target_organizations=[personas.x1.pk, personas.a1.pk]))
    assert kept.status_code == 302
    assert set(exam.target_organizations.all()) == {personas.x1, personas.a1}
    # ...but another organization outside the scope, posted by hand, is refused and nothing changes.
    refused = client.post(url, exam_data(exam, title="改了", target_organizations=[personas.other_committee.pk]))
    assert refused.status_code == 200
    assert "不在您可选择的范围内" in refused.content.decode()
    exam.refresh_from_db()
    assert exam.title != "改了" and set(exam.target_organizations.all()) == {personas.x1, personas.a1}


def test_the_edit_pages_do_not_grow_with_the_tree(personas: Any, client_for: Any) -> None:
    exam = make_exam(personas.trainer, make_bank(personas.trainer), publish=False, sections=[],
                     targets=[personas.a1])
    trainer = client_for(personas.trainer)
    url = f"/admin/exams_exam/edit/{exam.pk}/"
    before = len(trainer.get(url).content)
    branch = make_org(personas.other_committee, "大支部", "BIG", "general_branch")
    Organization.objects.filter(pk=branch.pk).update(numchild=0)
    for n in range(300):
        make_org(branch, f"新增党支部{n:03d}", f"BIG{n:03d}")
    after = trainer.get(url).content
    assert abs(len(after) - before) < 200  # the chooser renders the chosen organizations only
    assert "新增党支部".encode() not in after


def test_the_course_editor_uses_the_chooser_for_its_restricted_organizations(personas: Any,
                                                                            client_for: Any) -> None:
    course = make_course("机关专题", allowed=[personas.a2])
    page = client_for(personas.trainer).get(f"/admin/pages/{course.pk}/edit/").content.decode()
    assert "data-org-chooser" in page and f'value="{personas.a2.pk}" checked' in page
    assert "中共测试区委 / 机关党总支" in page
