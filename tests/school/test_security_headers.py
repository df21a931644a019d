"""Security headers and cookies under the production settings.

The production module is loaded in a subprocess (it refuses to load without its environment); its
security settings are then applied to this process and real responses are checked over HTTPS."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "SECURE_HSTS_PRELOAD", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY",
         "SECURE_CROSS_ORIGIN_OPENER_POLICY", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
         "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "X_FRAME_OPTIONS", "DEBUG"]
PRINT = f"import json, importlib; m = importlib.import_module('school.settings.production'); " \
        f"print(json.dumps({{n: getattr(m, n) for n in {NAMES!r}}}))"


@pytest.fixture(scope="module")
def production_settings() -> dict[str, Any]:
    dropped = {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ = {**{k: v for k, v in os.environ.items() if k not in dropped},
               "SECRET_KEY": secrets.token_urlsafe(60), "FIELD_ENCRYPTION_KEY": secrets.token_urlsafe(60),
               "DATABASE_URL": "postgres://school@127.0.0.1:5432/school", "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
               "CACHE_URL": "redis://127.0.0.1:6379/1"}
    result = subprocess.run([sys.executable, "-c", PRINT], cwd=ROOT, env=environ, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    values: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    if values["SECURE_PROXY_SSL_HEADER"]:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def test_production_settings_turn_every_protection_on(production_settings):
    assert production_settings["DEBUG"] is False
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production_settings["SESSION_COOKIE_SECURE"] and production_settings["SESSION_COOKIE_HTTPONLY"]
    assert production_settings["CSRF_COOKIE_SECURE"]
    assert production_settings["X_FRAME_OPTIONS"] == "DENY"


@pytest.mark.django_db
def test_it_sends_the_security_headers_and_secure_cookies_over_https(personas, production_settings):
    with override_settings(**production_settings):
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        login_page = client.get("/accounts/login/")
        assert login_page.status_code == 200
        assert login_page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert login_page["X-Content-Type-Options"] == "nosniff"
        assert login_page["Referrer-Policy"] == "same-origin"
        assert login_page["Cross-Origin-Opener-Policy"] == "same-origin"
        assert login_page["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in login_page["Content-Security-Policy"]
        csrf = login_page.cookies["csrftoken"]
        assert csrf["secure"] and csrf["samesite"] == "Lax"
        logged_in = client.post("/accounts/login/", {"username": "xiaoming", "password": PASSWORD})
        assert logged_in.status_code == 302
        session = logged_in.cookies["sessionid"]
        assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
        admin = Client(HTTP_X_FORWARDED_PROTO="https")
        admin.force_login(personas.superuser)
        dashboard = admin.get("/admin/")
        assert dashboard["X-Frame-Options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in dashboard["Content-Security-Policy"]


@pytest.mark.django_db
def test_it_redirects_plain_http_to_https(personas, production_settings):
    with override_settings(**production_settings):
        response = Client().get("/accounts/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
