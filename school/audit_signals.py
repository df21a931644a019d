"""Audit records written from model signals, so that every path that changes these rows is covered
(admin views, Wagtail's own user and snippet screens, services, commands, tasks, the shell).

* Role changes: administrator scopes (``AdminScope`` rows), group membership (讲师 and Wagtail's
  groups; the 组织管理员 group follows the scope rows and is not recorded twice), the superuser flag.
* Changes of rows watched with ``watch_changes`` (score rules and schemes here; exams register
  theirs in ``exams.signal_handlers``): created, changed (which fields, old → new) and deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from . import audit
from .models import AdminScope, AuditAction
from .permissions import ORG_ADMIN_GROUP, TRAINER_GROUP

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
            audit.record(action, f"新增{label}：{instance}", target=instance)
            return
        new = _values(instance, fields)
        changes = {name: [_shown(old[name]), _shown(value)] for name, value in new.items() if old[name] != value}
        setattr(instance, _OLD, new)
        if changes:
            labels = {f.attname: str(f.verbose_name) for f in fields}
            names = "、".join(labels[n] for n in changes)
            audit.record(action, f"修改{label}：{instance}（{names}）", target=instance, data={"changes": changes})

    def deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
        if only_if is not None and not only_if(instance):
            return
        audit.record(action, f"删除{label}：{instance}", data={"target_id": str(instance.pk), "deleted": str(instance)})

    uid = f"audit-{model._meta.label_lower}"
    pre_save.connect(before, sender=model, weak=False, dispatch_uid=uid)
    post_save.connect(after, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=uid)


def _scope_saved(sender: Any, instance: AdminScope, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        org = instance.organization
        audit.record(AuditAction.ROLE_GRANTED, f"{instance.user.get_username()} → 组织管理员 {org.name}（{org.code}）",
                     target=org, data={"user": instance.user.get_username(), "role": "org_admin"})


def _scope_deleted(sender: Any, instance: AdminScope, **kwargs: Any) -> None:
    org = instance.organization
    audit.record(AuditAction.ROLE_REVOKED, f"{instance.user.get_username()} ✕ 组织管理员 {org.name}（{org.code}）",
                 target=org, data={"user": instance.user.get_username(), "role": "org_admin"})


def _record_group(user: Any, group: Group, granted: bool) -> None:
    if group.name == ORG_ADMIN_GROUP:
        return  # follows the scope rows, recorded above
    role = "讲师" if group.name == TRAINER_GROUP else f"用户组 {group.name}"
    sign = "→" if granted else "✕"
    audit.record(AuditAction.ROLE_GRANTED if granted else AuditAction.ROLE_REVOKED,
                 f"{user.get_username()} {sign} {role}", target=user,
                 data={"user": user.get_username(), "role": "trainer" if group.name == TRAINER_GROUP else group.name})


def _groups_changed(sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: set[int] | None,
                    **kwargs: Any) -> None:
    if action == "pre_clear":
        # pk_set is None for clear(): remember who is in which group now.
        pairs = (list(instance.user_set.all()) if reverse else list(instance.groups.all()))
        instance._audit_cleared = pairs
        return
    if action == "post_clear":
        for other in getattr(instance, "_audit_cleared", []):
            user, group = (other, instance) if reverse else (instance, other)
            _record_group(user, group, granted=False)
        return
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    for other in model._default_manager.filter(pk__in=pk_set):
        user, group = (other, instance) if reverse else (instance, other)
        _record_group(user, group, granted=action == "post_add")


def _user_before(sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and "is_superuser" not in update_fields:  # e.g. last_login on every login
        instance._audit_was_superuser = bool(instance.is_superuser)
        return
    if raw or instance.pk is None:
        instance._audit_was_superuser = False
        return
    instance._audit_was_superuser = bool(
        sender._base_manager.filter(pk=instance.pk).values_list("is_superuser", flat=True).first())


def _user_after(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    was = getattr(instance, "_audit_was_superuser", False)
    if raw or was == bool(instance.is_superuser):
        return
    instance._audit_was_superuser = bool(instance.is_superuser)
    granted = bool(instance.is_superuser)
    audit.record(AuditAction.ROLE_GRANTED if granted else AuditAction.ROLE_REVOKED,
                 f"{instance.get_username()} {'→' if granted else '✕'} 超级管理员", target=instance,
                 data={"user": instance.get_username(), "role": "superuser"})


def connect() -> None:
    User = get_user_model()
    post_save.connect(_scope_saved, sender=AdminScope, dispatch_uid="audit-scope-saved")
    post_delete.connect(_scope_deleted, sender=AdminScope, dispatch_uid="audit-scope-deleted")
    m2m_changed.connect(_groups_changed, sender=User.groups.through, dispatch_uid="audit-user-groups")
    pre_save.connect(_user_before, sender=User, dispatch_uid="audit-superuser-before")
    post_save.connect(_user_after, sender=User, dispatch_uid="audit-superuser-after")

    from .credits.models import CreditRule, CreditRuleVersion, ScoreScheme

    watch_changes(CreditRule, AuditAction.SCORE_RULE_CHANGED, "积分规则")
    watch_changes(CreditRuleVersion, AuditAction.SCORE_RULE_CHANGED, "积分规则版本")
    watch_changes(ScoreScheme, AuditAction.SCORE_RULE_CHANGED, "组织评分方案")
