"""Record sensitive actions. Other apps call ``record`` too (score rules, certificates, exams)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from .models.audit import AuditAction, AuditEvent
from .security.throttle import client_address


def record(
    action: AuditAction | str,
    summary: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    is_saved_user = actor is not None and getattr(actor, "pk", None) is not None
    return AuditEvent.objects.create(
        actor=actor if is_saved_user else None,
        actor_name=actor.get_username() if actor is not None else "",
        action=str(action),
        summary=summary[:500],
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
        address=client_address(request)[:64],
    )
