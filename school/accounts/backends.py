"""The one authentication backend of the member site and the Wagtail admin login.

A member is found by login name, mobile number (when exactly one member has it) or ID number (through
the keyed digest, never the plain number); the secret is their password or, once, an unused activation
code. The lockout of ``school.security.throttle`` counts the typed identifier and the address as before,
and also the account behind the identifier, so three identifiers do not buy three times the tries.
Unknown identifiers cost a password hash like known ones, and the answer is the same.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from school import sensitive
from school.models import AccountState, ActivationCode, Member
from school.security.throttle import ThrottledModelBackend, client_address, is_locked, record_failure

from .codes import code_hash, looks_like_activation_code, normalize_activation_code

_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_ID_RE = re.compile(r"^\d{17}[\dXx]$")
CODE_LOGIN_ATTR = "_logged_in_with_activation_code"


def resolve_user(identifier: str) -> Any | None:
    """The user a login name, mobile number or ID number names, or None (also when ambiguous)."""
    identifier = identifier.strip()
    if not identifier:
        return None
    User = get_user_model()
    user = User._default_manager.filter(username=identifier).first()
    if user is not None:
        return user
    member: Member | None = None
    if _PHONE_RE.match(identifier):
        found = list(Member.objects.select_related("user").filter(phone=identifier).order_by()[:2])
        member = found[0] if len(found) == 1 else None
    elif _ID_RE.match(identifier):
        digest = sensitive.digest(sensitive.normalize_id_number(identifier))
        found = list(Member.objects.select_related("user").filter(id_number_digest=digest).order_by()[:1])
        member = found[0] if found else None
    return member.user if member is not None else None


def resolve_member(identifier: str) -> Member | None:
    user = resolve_user(identifier)
    if user is None:
        return None
    return Member.objects.select_related("user", "organization").filter(user_id=user.pk).first()


def consume_activation_code(member_id: int, raw: str) -> bool:
    """Use up a valid activation code of this member (one conditional UPDATE: two logins cannot share it)."""
    if not looks_like_activation_code(raw):
        return False
    now = timezone.now()
    with transaction.atomic():
        used = ActivationCode.objects.filter(
            member_id=member_id, code_hash=code_hash(normalize_activation_code(raw)),
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now,
        ).update(used_at=now)
        if used:
            Member.objects.filter(pk=member_id).update(must_change_password=True)
    return bool(used)


def _burn_time(password: str) -> None:
    get_user_model()().set_password(password)


class AccountBackend(ThrottledModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        identifier = (username or "").strip()
        address = client_address(request)
        if is_locked(identifier, address):
            raise PermissionDenied("locked out")  # stops authenticate(); user_login_failed still fires
        if not identifier or password is None:
            return None
        user = resolve_user(identifier)
        if user is None:
            _burn_time(password)  # as long as checking a real password
            return None
        canonical = user.get_username()
        if canonical != identifier and is_locked(canonical, ""):
            raise PermissionDenied("locked out")
        if not self.user_can_authenticate(user):
            _burn_time(password)
            return None
        if user.has_usable_password():
            if user.check_password(password):
                return user
        else:
            _burn_time(password)
        member_id = Member.objects.filter(user_id=user.pk).exclude(
            account_state=AccountState.DISABLED).values_list("pk", flat=True).first()
        if member_id is not None and consume_activation_code(member_id, password):
            setattr(user, CODE_LOGIN_ATTR, True)
            return user
        if canonical != identifier:
            record_failure(canonical, "")  # the typed identifier and the address are counted by the signal
        return None
