"""Record sensitive actions: who, when, what, from where. Other apps call ``record`` too (score rules,
certificates, exams).

*Who* and *from where* come from, in this order: the arguments; the web request being handled
(``AuditContextMiddleware`` keeps it for signal handlers and services deep below a view); the
``acting_as`` block a management command or Celery task runs in (actor name and a channel such as
``manage.py recompute_scores`` or ``celery``); else ``system``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse

from .models.audit import AuditAction, AuditEvent
from .security.throttle import client_address


@dataclass(frozen=True)
class _Acting:
    actor: Any
    channel: str


_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)
_acting: ContextVar[_Acting | None] = ContextVar("audit_acting", default=None)


class AuditContextMiddleware:
    """Makes the current request (user, address) known to ``record`` calls without a request argument."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


@contextmanager
def acting_as(channel: str, actor: Any = None) -> Iterator[None]:
    """Attribute what happens inside to ``actor`` (a user, or None) acting through ``channel``."""
    token = _acting.set(_Acting(actor, channel))
    try:
        yield
    finally:
        _acting.reset(token)


# Everything a Celery task (queued by a view, or by beat) records names the task as its channel
# (``task_started``/``task_finished`` are connected to Celery's task_prerun/task_postrun in
# ``school.signal_handlers``).
_task_tokens: dict[str, Any] = {}


def task_started(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    if _acting.get() is None:  # an eager task inside a command keeps the command's channel
        _task_tokens[task_id] = _acting.set(_Acting(None, f"celery {getattr(task, 'name', '')}".strip()))


def task_finished(task_id: str = "", **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _acting.reset(token)


def current_request() -> HttpRequest | None:
    return _request.get()


def record(
    action: AuditAction | str,
    summary: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    request = request if request is not None else _request.get()
    acting = _acting.get()
    user = getattr(request, "user", None) if request is not None else None
    if actor is None and user is not None and user.is_authenticated:
        actor = user
    if actor is None and acting is not None:
        actor = acting.actor
    channel = acting.channel if acting is not None else "system"
    address = client_address(request) if request is not None else channel
    is_saved_user = actor is not None and getattr(actor, "pk", None) is not None
    actor_name = actor.get_username() if actor is not None else channel
    return AuditEvent.objects.create(
        actor=actor if is_saved_user else None,
        actor_name=actor_name[:150],
        action=str(action),
        summary=summary[:500],
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
        address=address[:64],
    )


_OLD = "_audit_old_values"
# Bookkeeping columns that change on every save and say nothing about what was changed.
_IGNORED = {"changed_at", "changed_by", "updated_at", "modified_at", "created_at"}


def _shown(value: Any) -> str:
    return str(value)[:200] if value is not None else ""


def _values(instance: models.Model, fields: Iterable[models.Field[Any, Any]]) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in fields}


def watch_changes(model: type[models.Model], action: AuditAction, label: str, *,
                  only_if: Callable[[Any], bool] | None = None) -> None:
    """Record creation, deletion and field changes of ``model`` rows (``only_if(instance)`` decides
    whether a row is worth recording, e.g. an exam that members have already attempted)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.name not in _IGNORED]

    def before(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
        if raw or instance.pk is None:
            return
        old = sender._base_manager.filter(pk=instance.pk).values(*[f.attname for f in fields]).first()
        setattr(instance, _OLD, old)

    def after(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
        if raw or (only_if is not None and not only_if(instance)):
            return
        old = getattr(instance, _OLD, None)
        if created or old is None:
            record(action, f"新增{label}：{instance}", target=instance)
            return
        new = _values(instance, fields)
        changes = {name: [_shown(old[name]), _shown(value)] for name, value in new.items() if old[name] != value}
        setattr(instance, _OLD, new)
        if changes:
            labels = {f.attname: str(f.verbose_name) for f in fields}
            names = "、".join(labels[n] for n in changes)
            record(action, f"修改{label}：{instance}（{names}）", target=instance, data={"changes": changes})

    def deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
        if only_if is not None and not only_if(instance):
            return
        record(action, f"删除{label}：{instance}", data={"target_id": str(instance.pk), "deleted": str(instance)})

    uid = f"audit-{model._meta.label_lower}"
    pre_save.connect(before, sender=model, weak=False, dispatch_uid=uid)
    post_save.connect(after, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=uid)
