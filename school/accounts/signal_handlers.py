from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest

from .backends import CODE_LOGIN_ATTR
from .middleware import MUST_CHOOSE_PASSWORD


def _flag_activation_code_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and getattr(user, CODE_LOGIN_ATTR, False):
        request.session[MUST_CHOOSE_PASSWORD] = True


def register_signal_handlers() -> None:
    user_logged_in.connect(_flag_activation_code_login, dispatch_uid="accounts-activation-code-login")
