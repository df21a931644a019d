from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

MUST_CHOOSE_PASSWORD = "accounts_must_choose_password"  # noqa: S105  (a session key, not a password)


class PasswordChoiceMiddleware:
    """A member who logged in with an activation code chooses a password before anything else.

    The flag lives in the session (set on login, see ``signal_handlers``), so other requests cost no query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(MUST_CHOOSE_PASSWORD) and request.user.is_authenticated:
            target = reverse("accounts_choose_password")
            allowed = (target, reverse("logout"), "/static/", "/i18n/", "/admin/logout/", "/favicon")
            if not request.path.startswith(allowed):
                return redirect(target)
        return self.get_response(request)
