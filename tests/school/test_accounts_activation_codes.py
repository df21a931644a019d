"""Activation codes: issued by a scoped administrator as an Excel sheet, used once to log in, then a password."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from school import services
from school.accounts import services as accounts
from school.accounts.codes import ALPHABET
from school.models import AccountState, ActivationCode, ActivationSheet, AuditEvent, Member
from tests.factories import make_member
from tests.school.builders import imported_member, issued_codes, sheet_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def newbies(personas):
    return [imported_member(personas.a1, "newbie1", "新一", phone="13700000001"),
            imported_member(personas.a2, "newbie2", "新二", phone="13700000002")]


def _login(client, identifier, secret):
    return client.post("/accounts/login/", {"username": identifier, "password": secret})


def test_it_issues_a_sheet_of_codes_for_a_subtree_through_the_admin(personas, newbies, client_for,
                                                                      django_capture_on_commit_callbacks):
    admin = client_for(personas.admin_a)
    with django_capture_on_commit_callbacks(execute=False):
        response = admin.post("/admin/school/accounts/issue/",
                              {"organization": personas.branch_group_a.pk, "all": "0", "confirm": "1"})
    sheet = ActivationSheet.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/accounts/sheets/{sheet.pk}/")
    assert sorted(sheet.member_ids) == sorted(m.pk for m in newbies)  # only the not-yet-activated of A
    assert "等待中" in admin.get(response["Location"]).content.decode()
    accounts.run_activation_sheet(sheet.pk)
    page = admin.get(response["Location"]).content.decode()
    assert "下载激活码表" in page
    download = admin.get(f"/admin/school/accounts/sheets/{sheet.pk}/download/")
    assert download.status_code == 200
    sheet.refresh_from_db()
    rows = sheet_rows(sheet)
    assert list(rows[0]) == ["组织", "姓名", "登录名", "激活码", "有效期至"]
    assert {r["登录名"] for r in rows} == {"newbie1", "newbie2"}
    for row in rows:
        assert len(row["激活码"]) >= 8 and set(row["激活码"]) <= set(ALPHABET)
        assert row["有效期至"].startswith(f"{timezone.localdate() + dt.timedelta(days=14):%Y-%m-%d}")
    # only keyed hashes are stored
    stored = set(ActivationCode.objects.values_list("code_hash", flat=True))
    assert not stored & {r["激活码"] for r in rows}
    assert AuditEvent.objects.filter(action="activation_issued", actor=personas.admin_a).count() == 1
    # another administrator cannot open or download it
    assert client_for(personas.admin_x).get(f"/admin/school/accounts/sheets/{sheet.pk}/download/").status_code == 404


def test_it_makes_a_member_who_logs_in_with_a_code_choose_a_password_first(personas, newbies, client):
    codes = issued_codes(personas.admin_a, newbies)
    response = _login(client, "13700000001", codes["newbie1"].lower())  # by phone, code typed in lower case
    assert response.status_code == 302
    assert client.get("/").url == "/accounts/password/choose/"
    assert client.get("/me/").url == "/accounts/password/choose/"
    weak = client.post("/accounts/password/choose/", {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 400
    assert "这个密码太常见了" in weak.content.decode() or "密码全是数字" in weak.content.decode()
    ok = client.post("/accounts/password/choose/", {"new_password1": "Hong-Qi-2024", "new_password2": "Hong-Qi-2024"})
    assert ok.status_code == 302 and ok.url == "/"
    assert client.get("/").status_code == 200
    member = newbies[0]
    member.refresh_from_db()
    assert member.account_state == AccountState.ACTIVE and not member.must_change_password
    client.post("/accounts/logout/")
    assert _login(client, "newbie1", "Hong-Qi-2024").status_code == 302


def test_it_refuses_wrong_expired_reused_revoked_and_other_members_codes(personas, newbies, client):
    codes = issued_codes(personas.admin_a, newbies)
    assert _login(client, "newbie1", "ABCDEFGHJK").status_code == 200  # wrong
    assert _login(client, "newbie1", codes["newbie2"]).status_code == 200  # another member's
    assert "_auth_user_id" not in client.session
    assert _login(client, "newbie1", codes["newbie1"]).status_code == 302
    client.post("/accounts/logout/")
    assert _login(client, "newbie1", codes["newbie1"]).status_code == 200  # reused
    ActivationCode.objects.filter(member=newbies[1]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _login(client, "newbie2", codes["newbie2"]).status_code == 200  # expired
    again = issued_codes(personas.admin_a, [newbies[1]])
    old = codes["newbie2"]
    ActivationCode.objects.filter(member=newbies[1], revoked_at__isnull=True).update(
        expires_at=timezone.now() + dt.timedelta(days=1))
    assert again["newbie2"] != old
    assert _login(client, "newbie2", old).status_code == 200  # revoked by the new issue
    assert "_auth_user_id" not in client.session
    assert _login(client, "newbie2", again["newbie2"]).status_code == 302


def test_it_locks_out_guessing_of_activation_codes(personas, newbies, client, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    codes = issued_codes(personas.admin_a, newbies)
    for _ in range(3):
        _login(client, "newbie1", "ABCDEFGHJK")
    assert _login(client, "newbie1", codes["newbie1"]).status_code == 429
    assert ActivationCode.objects.get(member=newbies[0]).used_at is None  # nothing used on refusal


def test_it_answers_404_for_members_or_organizations_outside_the_subtree(personas, newbies, client_for):
    admin_x = client_for(personas.admin_x)
    assert admin_x.post("/admin/school/accounts/issue/", {"member": [newbies[0].pk], "confirm": "1"}).status_code == 404
    assert admin_x.post("/admin/school/accounts/issue/", {"organization": personas.a1.pk, "confirm": "1"}).status_code == 404
    assert admin_x.post(f"/admin/school/members/{newbies[0].pk}/account/", {"action": "reset"}).status_code == 404
    assert not ActivationSheet.objects.exists() and not ActivationCode.objects.exists()


def test_it_refuses_codes_for_superusers_and_administrators_at_or_above(personas, client_for):
    root_member = make_member(personas.a1, "root_member", "超管")
    root_member.user.is_superuser = True
    root_member.user.save()
    peer = make_member(personas.a1, "peer_admin", "同级管理员")
    services.grant_org_admin(peer.user, personas.branch_group_a)
    below = make_member(personas.a1, "branch_admin", "支部管理员")
    services.grant_org_admin(below.user, personas.a1)
    admin = client_for(personas.admin_a)
    for target in (root_member, peer):
        response = admin.post(f"/admin/school/members/{target.pk}/account/", {"action": "reset"})
        assert response.status_code == 403
        assert "不能更改超级管理员" in response.content.decode()
        assert not ActivationCode.objects.filter(member=target).exists()
        target.user.refresh_from_db()
        assert target.user.has_usable_password()
    # a whole subtree skips them, but not the branch administrator below
    sheet = accounts.do_request_activation_sheet(
        personas.admin_a, members=Member.objects.filter(organization=personas.a1), organization=personas.a1,
        description="A1")
    assert root_member.pk not in sheet.member_ids and peer.pk not in sheet.member_ids
    assert below.pk in sheet.member_ids


def test_it_resets_a_member_to_a_new_code_shown_once(personas, client_for, client):
    admin = client_for(personas.admin_a)
    old_session = client_for(personas.member.user)
    assert old_session.get("/me/").status_code == 200
    response = admin.post(f"/admin/school/members/{personas.member.pk}/account/", {"action": "reset"})
    assert response.status_code == 200
    code = response.context["code"]
    assert code in response.content.decode()
    assert code not in admin.get(f"/admin/school/members/{personas.member.pk}/account/").content.decode()
    assert old_session.get("/me/").status_code == 302  # the old password's sessions ended
    assert _login(client, "xiaoming", "pw-for-tests-1").status_code == 200
    assert _login(client, "xiaoming", code).status_code == 302
    assert AuditEvent.objects.filter(action="password_reset", actor=personas.admin_a).exists()


def test_it_issues_nothing_twice_when_the_task_runs_twice(personas, newbies):
    sheet = accounts.do_request_activation_sheet(
        personas.admin_a, members=Member.objects.filter(pk__in=[m.pk for m in newbies]), organization=None,
        description="t")
    assert accounts.run_activation_sheet(sheet.pk) is not None
    assert accounts.run_activation_sheet(sheet.pk) is None
    assert ActivationCode.objects.filter(revoked_at__isnull=True).count() == 2
