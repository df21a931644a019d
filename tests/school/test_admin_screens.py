"""The Wagtail admin screens for organizations and members, as administrators of different subtrees."""

import pytest

from school.models import Member, Organization

pytestmark = pytest.mark.django_db


def test_it_lists_only_the_administrators_subtree(personas, client_for):
    page = client_for(personas.admin_a).get("/admin/school/organizations/").content.decode()
    assert "机关党总支" in page and "第二党支部" in page
    assert "中共另一区委" not in page and "某某党支部" not in page
    members = client_for(personas.admin_a).get("/admin/school/members/").content.decode()
    assert "小明" in members and "小红" in members and "小刚" not in members


def test_it_answers_404_for_another_subtrees_objects(personas, client_for):
    client = client_for(personas.admin_a)
    assert client.get(f"/admin/school/organizations/{personas.x1.pk}/").status_code == 404
    assert client.post(f"/admin/school/organizations/{personas.x1.pk}/", {"name": "改名"}).status_code == 404
    assert client.post(f"/admin/school/organizations/{personas.x1.pk}/delete/").status_code == 404
    assert client.get(f"/admin/school/members/{personas.member_x.pk}/").status_code == 404
    assert client.post(f"/admin/school/members/{personas.member_x.pk}/", {"name": "改名"}).status_code == 404
    personas.x1.refresh_from_db()
    personas.member_x.refresh_from_db()
    assert personas.x1.name == "某某党支部" and personas.member_x.name == "小刚"


def test_it_forbids_the_screens_to_members_and_trainers(personas, client_for):
    for user in (personas.member.user, personas.trainer):
        client = client_for(user)
        for url in ("/admin/school/organizations/", "/admin/school/members/", "/admin/school/members/export/",
                    "/admin/school/members/import/", "/admin/school/organizations/export/"):
            assert client.get(url).status_code in (302, 403), url
    assert client_for(personas.admin_a).get("/admin/school/roles/").status_code in (302, 403)
    assert client_for(None).get("/admin/school/members/").status_code == 302


def test_it_creates_a_suborganization_inside_the_scope_only(personas, client_for):
    client = client_for(personas.admin_a)
    ok = client.post("/admin/school/organizations/add/", {
        "name": "第三党支部", "code": "TA3", "kind": "branch", "parent": personas.branch_group_a.pk})
    assert ok.status_code == 302
    assert Organization.objects.get(code="TA3").get_parent().code == "TA"
    refused = client.post("/admin/school/organizations/add/", {
        "name": "越权支部", "code": "XX9", "kind": "branch", "parent": personas.x1.pk})
    assert refused.status_code == 200
    assert "该组织不存在，或不在您可选择的范围内" in refused.content.decode()
    no_parent = client.post("/admin/school/organizations/add/", {"name": "顶级", "code": "TOP", "kind": "committee"})
    assert no_parent.status_code == 200
    assert not Organization.objects.filter(code__in=["XX9", "TOP"]).exists()


def test_it_moves_an_organization_through_the_edit_form(personas, client_for):
    client = client_for(personas.superuser)
    response = client.post(f"/admin/school/organizations/{personas.a2.pk}/", {
        "name": "第二党支部", "code": "TA2", "kind": "branch", "parent": personas.other_committee.pk})
    assert response.status_code == 302
    assert Organization.objects.get(code="TA2").get_parent().code == "X"


def test_it_adds_and_edits_a_member_with_a_masked_id_number(personas, client_for):
    client = client_for(personas.admin_a)
    response = client.post("/admin/school/members/add/", {
        "name": "新党员", "username": "xin", "organization": personas.a2.pk, "political_status": "probationary",
        "status": "active", "id_number": "11010519491231002X", "phone": "13912345678"})
    assert response.status_code == 302
    member = Member.objects.get(user__username="xin")
    assert member.id_number.reveal() == "11010519491231002X"
    page = client.get(f"/admin/school/members/{member.pk}/").content.decode()
    assert "11010519491231002X" not in page and "1101**********002X" in page
    edit = client.post(f"/admin/school/members/{member.pk}/", {
        "name": "新党员", "username": "xin", "organization": personas.a2.pk, "political_status": "full",
        "status": "active", "id_number": "", "phone": "13912345678"})
    assert edit.status_code == 302
    member.refresh_from_db()
    assert member.political_status == "full"
    assert member.id_number.reveal() == "11010519491231002X"  # empty field keeps the number


def test_it_refuses_bad_member_input_with_chinese_messages(personas, client_for):
    client = client_for(personas.admin_a)
    response = client.post("/admin/school/members/add/", {
        "name": "坏数据", "username": "xiaoming", "organization": personas.x1.pk, "political_status": "boss",
        "status": "active", "id_number": "110105194912310021", "phone": "123", "join_date": "2999-01-01"})
    assert response.status_code == 200
    body = response.content.decode()
    for expected in ("登录名已被占用", "校验位", "手机号", "未来", "选择一个有效的选项"):
        assert expected in body, expected
    assert not Member.objects.filter(name="坏数据").exists()
