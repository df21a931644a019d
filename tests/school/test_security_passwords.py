"""Every place a password is set runs AUTH_PASSWORD_VALIDATORS, with Chinese messages: the member's own
password change, members added in the admin, users added in Wagtail's user screens. (The member
import sets no password: imported logins get an unusable one.)"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from school.models import Member
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

STRONG = "Hongqi-piaopiao-2026"


@pytest.mark.parametrize("new, message", [
    ("abc12", "密码长度太短。密码必须包含至少 8 个字符。"),
    ("12345678", "这个密码太常见了。"),
    ("83749261057", "密码只包含数字。"),
    ("xiaoming1", "密码跟 用户名 太相似了。"),
])
def test_the_member_password_change_refuses_weak_passwords_in_chinese(personas, client_for, new, message):
    client = client_for(personas.member.user)
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": new,
                                                   "new_password2": new})
    assert response.status_code == 200
    assert message in response.content.decode()
    personas.member.user.refresh_from_db()
    assert personas.member.user.check_password(PASSWORD)


def test_a_member_changes_their_password_and_stays_logged_in(personas, client_for):
    client = client_for(personas.member.user)
    page = client.get("/accounts/password/").content.decode()
    assert "修改密码" in page and "至少 8 个字符" in page  # the rules are shown
    wrong = client.post("/accounts/password/", {"old_password": "nope", "new_password1": STRONG,
                                                "new_password2": STRONG})
    assert "你的旧密码不正确" in wrong.content.decode()
    done = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": STRONG,
                                               "new_password2": STRONG}, follow=True)
    assert done.redirect_chain[-1][0] == "/me/" and "密码已修改。" in done.content.decode()
    assert client.get("/me/").status_code == 200  # the session survived the change
    assert Client().login(username="xiaoming", password=STRONG)
    assert not Client().login(username="xiaoming", password=PASSWORD)


def test_the_password_page_needs_a_login(personas, client_for):
    response = client_for(None).get("/accounts/password/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_adding_a_member_in_the_admin_checks_the_initial_password(personas, client_for):
    form = {"name": "新党员", "username": "xindangyuan", "organization": personas.a1.pk,
            "political_status": "full", "status": "active", "id_number": "11010519491231002X", "password": "123456"}
    response = client_for(personas.admin_a).post("/admin/school/members/add/", form)
    assert response.status_code == 200 and "密码长度太短" in response.content.decode()
    assert not Member.objects.filter(name="新党员").exists()
    ok = client_for(personas.admin_a).post("/admin/school/members/add/", {**form, "password": STRONG})
    assert ok.status_code == 302
    assert Member.objects.get(name="新党员").user.check_password(STRONG)


def test_wagtails_user_screen_checks_new_passwords(personas, client_for):
    form = {"username": "bianji", "email": "bianji@example.org", "first_name": "编", "last_name": "辑",
            "password1": "password", "password2": "password", "is_active": "on"}
    response = client_for(personas.superuser).post(reverse("wagtailusers_users:add"), form)
    assert response.status_code == 200 and "这个密码太常见了。" in response.content.decode()
    assert not get_user_model().objects.filter(username="bianji").exists()
