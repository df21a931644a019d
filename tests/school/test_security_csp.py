"""The Content Security Policy headers: strict on the member site, looser (and why) in the Wagtail admin.

That the pages satisfy them is proven in Chromium by tests/e2e/test_security_csp.py."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split("; ") if part}


def test_it_sends_a_strict_policy_on_member_pages(personas, client_for):
    member = client_for(personas.member.user)
    for url in ("/", "/me/", "/exams/", "/search/"):
        response = member.get(url)
        assert response.status_code == 200, url
        policy = _directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["frame-ancestors"] == ["'none'"], url
        assert policy["object-src"] == ["'none'"]
        assert "blob:" in policy["media-src"] and "blob:" in policy["worker-src"]  # hls.js
        assert response["X-Frame-Options"] == "DENY"
    login = client_for(None).get("/accounts/login/")
    assert _directives(login["Content-Security-Policy"])["script-src"] == ["'self'"]


def test_member_templates_have_no_inline_script_or_style(personas, client_for):
    member = client_for(personas.member.user)
    for url in ("/", "/me/", "/tasks/", "/exams/", "/search/", "/accounts/password/"):
        html = member.get(url).content.decode()
        assert " style=" not in html, url
        assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\")=)[^>]*>", html), url
        assert " onclick=" not in html and " onload=" not in html, url


def test_it_lets_the_wagtail_admin_run_its_inline_scripts_and_frame_its_previews(personas, client_for):
    response = client_for(personas.superuser).get("/admin/")
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_swagger_ui_is_served_without_inline_script_or_style(personas, client_for):
    client = client_for(personas.member.user)
    page = client.get("/api/docs/")
    html = page.content.decode()
    assert page.status_code == 200 and "<style>" not in html
    assert _directives(page["Content-Security-Policy"])["script-src"] == ["'self'"]
    script = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', html)
    assert script is not None, html
    init = client.get(script.group(1).replace("&amp;", "&"))
    assert init.status_code == 200 and init["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in init.content.decode()
