import pytest

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    login = client.get("/accounts/login/")
    assert login.status_code == 200
    assert "登录" in login.content.decode()


def test_it_logs_a_member_in_and_shows_navigation(personas, client):
    response = client.post("/accounts/login/", {"username": "xiaoming", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    home = client.get("/").content.decode()
    assert "小明" in home and "首页" in home and "我的学习" in home
    assert "中共测试区委 / 机关党总支 / 第一党支部" in home


def test_it_refuses_a_wrong_password_in_chinese(personas, client):
    response = client.post("/accounts/login/", {"username": "xiaoming", "password": "wrong"})
    assert response.status_code == 200
    assert "登录名、手机号、身份证号或密码不正确" in response.content.decode()


def test_it_shows_the_profile_masked_on_my_study(personas, client_for):
    page = client_for(personas.member.user).get("/me/").content.decode()
    raw = personas.member.id_number.reveal()
    assert raw not in page and personas.member.id_number_masked in page
    assert "13800138000" not in page and "138****8000" in page
    assert "正式党员" in page


def test_it_switches_the_interface_to_english(personas, client_for):
    client = client_for(personas.member.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/me/"})
    page = client.get("/me/").content.decode()
    assert "My study" in page and "Full member" in page


def test_it_answers_health_checks(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert client.post("/health/").status_code == 405
