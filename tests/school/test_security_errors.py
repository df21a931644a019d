"""No debug pages: errors answer with the site's Chinese pages, or JSON under /api/, and never show a
traceback, an exception message or a setting. (Production refuses DEBUG: tests/school/test_settings.py.)"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.school.error_urls")]

LEAKS = ("Traceback", "RuntimeError", "secret detail", "SECRET_KEY", "internal reason", "DATABASES",
         "django.", "Request Method", str(settings.BASE_DIR))


def _no_leaks(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, leak


@override_settings(DEBUG=False)
def test_a_failing_view_answers_with_our_500_page(personas):
    client = Client(raise_request_exception=False)
    client.force_login(personas.member.user)
    response = client.get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务器错误" in html and "服务器出现错误，请稍后再试。" in html and "返回首页" in html
    assert "script-src 'self';" in response["Content-Security-Policy"]
    _no_leaks(html)


@override_settings(DEBUG=False)
def test_api_errors_are_json_in_chinese(personas):
    client = Client(raise_request_exception=False)
    client.force_login(personas.member.user)
    failed = client.get("/api/v1/boom/")
    assert failed.status_code == 500 and failed["Content-Type"] == "application/json"
    assert failed.json() == {"detail": "服务器出现错误，请稍后再试。", "code": "server_error"}
    missing = client.get("/api/v1/no-such-endpoint/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert client.get("/api/v1/forbidden/").json() == {"detail": "您没有执行此操作的权限。", "code": "permission_denied"}
    _no_leaks(failed.content.decode() + missing.content.decode())


@pytest.mark.parametrize("url, status, heading", [
    ("/no-such-page/", 404, "页面不存在"),
    ("/forbidden/", 403, "无权访问"),
    ("/suspicious/", 400, "请求有误"),
])
@override_settings(DEBUG=False)
def test_member_site_errors_are_chinese_pages(personas, client_for, url, status, heading):
    response = client_for(personas.member.user).get(url)
    html = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in html
    _no_leaks(html)


@override_settings(DEBUG=False)
def test_a_form_posted_without_its_csrf_token_gets_a_chinese_403(personas):
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "xiaoming", "password": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "表单已过期或来自其他网站" in html
    _no_leaks(html)
