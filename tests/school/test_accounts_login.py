"""One backend: login name, mobile number or ID number, for the member site and the Wagtail admin."""

import pytest
from django.core.cache import cache

from tests.factories import PASSWORD, id_number, make_member

pytestmark = pytest.mark.django_db
GENERIC = "登录名、手机号、身份证号或密码不正确"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def _login(client, identifier, password=PASSWORD, url="/accounts/login/"):
    return client.post(url, {"username": identifier, "password": password})


def test_it_logs_in_by_login_name_mobile_number_or_id_number(personas, client):
    number = id_number(777)
    make_member(personas.a1, "laowang", "老王", phone="13900139000", id_number=number)
    for identifier in ("laowang", "13900139000", number, number.lower().replace("x", "x")):
        response = _login(client, identifier)
        assert response.status_code == 302, identifier
        assert client.session["_auth_user_id"] == str(personas.a1.members.get(name="老王").user_id)
        client.post("/accounts/logout/")


def test_it_gives_the_same_answer_for_unknown_and_known_accounts(personas, client):
    answers = [_login(client, who, "wrong-password-9") for who in ("xiaoming", "nobody", "13700000000",
                                                                     id_number(555))]
    assert {a.status_code for a in answers} == {200}
    texts = [a.content.decode() for a in answers]
    assert all(GENERIC in t for t in texts)
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_mobile_number_that_two_members_share(personas, client):
    make_member(personas.a1, "twin1", "甲", phone="13911112222")
    make_member(personas.a2, "twin2", "乙", phone="13911112222")
    assert _login(client, "13911112222").status_code == 200
    assert _login(client, "twin1").status_code == 302


def test_it_logs_in_to_the_wagtail_admin_by_mobile_number(personas, client):
    from school import services

    services.update_member(personas.member, phone="13800138000")
    services.grant_org_admin(personas.member.user, personas.a1)
    page = client.get("/admin/login/").content.decode()
    assert "登录名 / 手机号 / 身份证号" in page and "密码或激活码" in page
    wrong = _login(client, "13800138000", "nope-nope-1", url="/admin/login/")
    assert GENERIC in wrong.content.decode()
    response = _login(client, "13800138000", url="/admin/login/")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_it_locks_the_account_whichever_identifier_is_tried(personas, client, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    personas.member.set_id_number(id_number(321))
    personas.member.save()
    for identifier in ("xiaoming", "13800138000", id_number(321)):
        assert _login(client, identifier, "nope-nope-1").status_code == 200
    locked = _login(client, "xiaoming")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_refuses_an_imported_member_without_a_password(personas, client):
    from tests.school.builders import imported_member

    imported_member(personas.a1, "newbie", "新人", phone="13712345678")
    for secret in ("", "!", "anything-1"):
        response = _login(client, "newbie", secret)
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session




def test_it_hashes_once_for_unknown_disabled_and_not_activated_accounts_alike(personas, client, monkeypatch):
    """Similar timing: every failed login costs one password hash, whether or not the account exists."""
    from django.contrib.auth.hashers import MD5PasswordHasher

    from school.accounts import services as accounts
    from tests.school.builders import imported_member

    imported_member(personas.a1, "newbie", "新人")
    disabled = make_member(personas.a2, "gone", "已停用")
    accounts.do_set_account_disabled(personas.admin_a, disabled, disabled=True)
    calls = []
    real = MD5PasswordHasher.encode

    def counted(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counted)
    for identifier in ("xiaoming", "nobody", "newbie", "gone", "13700000000"):
        calls.clear()
        assert _login(client, identifier, "wrong-password-9").status_code == 200
        assert len(calls) == 1, identifier
