"""Lock out repeated login failures, per account and per client address.

Counts live in the cache (Redis in production, so all web workers share them). Both the member login
and the Wagtail admin login go through ``ThrottledModelBackend``; a locked account or address is
refused before its password is checked. If the cache is down, logins are not blocked (fail open) and
the failure is logged: an outage of Redis must not lock everyone out.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

log = logging.getLogger(__name__)


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    if getattr(settings, "LOGIN_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def _key(kind: str, value: str) -> str:
    return f"login-fail:{kind}:{hashlib.sha256(value.lower().encode()).hexdigest()[:32]}"


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    keys = []
    if username:
        keys.append((_key("user", username), settings.LOGIN_FAILURES_PER_ACCOUNT))
    if address:
        keys.append((_key("addr", address), settings.LOGIN_FAILURES_PER_ADDRESS))
    return keys


def is_locked(username: str, address: str) -> bool:
    try:
        return any((cache.get(key) or 0) >= limit for key, limit in _keys(username, address))
    except Exception:
        log.exception("login throttle: cache unavailable; not blocking")
        return False


def record_failure(username: str, address: str) -> None:
    try:
        for key, _limit in _keys(username, address):
            if cache.add(key, 1, settings.LOGIN_LOCKOUT_SECONDS):
                continue
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, settings.LOGIN_LOCKOUT_SECONDS)
    except Exception:
        log.exception("login throttle: cache unavailable; failure not counted")


def clear_account(username: str) -> None:
    try:
        cache.delete(_key("user", username))
    except Exception:
        log.exception("login throttle: cache unavailable")


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if is_locked(username or "", client_address(request)):
            raise PermissionDenied("locked out")  # stops authenticate(); user_login_failed still fires
        return super().authenticate(request, username=username, password=password, **kwargs)


