"""Every signal receiver of ``school``, connected by ``register_signal_handlers()`` (called from
``SchoolConfig.ready``).

Audit records written from model signals, so that every path that changes these rows is covered
(admin views, Wagtail's own user and snippet screens, services, commands, tasks, the shell):

* Role changes: administrator scopes (``AdminScope`` rows), group membership (讲师 and Wagtail's
  groups; the 组织管理员 group follows the scope rows and is not recorded twice), the superuser flag.
* Changes of rows watched with ``audit.watch_changes`` (score rules and schemes here; exams register
  theirs in ``exams.signal_handlers``): created, changed (which fields, old → new) and deleted.

Credits: a member saved with another organization or status (a transfer, a new member, a member who
leaves) moves their contribution between the score rows of the two organization chains at once, for the
periods counted from the day it takes effect on (``credits.recompute.member_moved``; the actions of
``services.members`` set that day on the instance, default today; a deleted member's is taken out); a saved score scheme rescores every stored period.

Login throttling: a failed login counts against the account and the address; a successful one clears
the account's count. Celery: what a task records names the task as its channel; a starting worker
flushes the task outbox."""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import task_postrun, task_prerun, worker_init, worker_ready
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.http import HttpRequest

from . import audit
from .models import AdminScope, AuditAction
from .permissions import ORG_ADMIN_GROUP, TRAINER_GROUP
from .security import throttle


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


def _count_login_failure(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                         **kwargs: Any) -> None:
    throttle.record_failure(str(credentials.get("username") or ""), throttle.client_address(request))


def _clear_login_failures(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    throttle.clear_account(user.get_username())


def _flush_outbox_when_a_worker_starts(sender: Any = None, **kwargs: Any) -> None:
    from . import outbox
    from .tasks import flush_task_outbox

    outbox.send(flush_task_outbox)


def _verify_storage_when_a_worker_starts(sender: Any = None, **kwargs: Any) -> None:
    """The shared-storage contract at start-up (school.readiness.verify_storage_at_start). Celery logs
    and swallows exceptions of signal receivers, so a refusal leaves as SystemExit: the worker stops
    before consuming anything, with the message (naming MEDIA_ROOT) in its log."""
    from .readiness import StorageContractError, verify_storage_at_start

    try:
        verify_storage_at_start("Celery worker")
    except StorageContractError as exc:
        logging.getLogger(__name__).critical("%s", exc)
        raise SystemExit(f"{exc}") from None


def _flag_activation_code_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """A login with an activation code must choose a password before anything else (the middleware enforces it)."""
    from .accounts.backends import CODE_LOGIN_ATTR
    from .accounts.middleware import MUST_CHOOSE_PASSWORD

    if request is not None and getattr(user, CODE_LOGIN_ATTR, False):
        request.session[MUST_CHOOSE_PASSWORD] = True


def _member_before(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    old = type(instance).objects.filter(pk=instance.pk).values("organization_id", "status").first() \
        if instance.pk else None
    instance._credits_before = old


def _member_after(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or not hasattr(instance, "_credits_before"):
        return
    from .credits.recompute import member_moved
    from .models.members import MemberStatus

    old = instance.__dict__.pop("_credits_before")
    # the day a transfer or status change takes effect (set by the actions of school.services.members)
    effective_on = instance.__dict__.pop("_membership_effective_on", None)
    if old is not None and old["organization_id"] == instance.organization_id and old["status"] == instance.status:
        return
    member_moved(instance, old["organization_id"] if old else None,
                 bool(old and old["status"] == MemberStatus.ACTIVE), effective_on=effective_on)


def _member_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    from .credits.recompute import member_removed

    member_removed(instance)


def _scheme_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        from django.db import transaction

        from .credits.recompute import rescore_all

        transaction.on_commit(rescore_all)


def register_signal_handlers() -> None:
    user_logged_in.connect(_flag_activation_code_login, dispatch_uid="accounts-activation-code-login")
    user_login_failed.connect(_count_login_failure, dispatch_uid="throttle-login-failed")
    user_logged_in.connect(_clear_login_failures, dispatch_uid="throttle-logged-in")
    task_prerun.connect(audit.task_started, weak=False, dispatch_uid="audit-task-prerun")
    task_postrun.connect(audit.task_finished, weak=False, dispatch_uid="audit-task-postrun")
    worker_ready.connect(_flush_outbox_when_a_worker_starts, weak=False, dispatch_uid="outbox-worker-ready")
    worker_init.connect(_verify_storage_when_a_worker_starts, weak=False, dispatch_uid="storage-worker-init")

    User = get_user_model()
    post_save.connect(_scope_saved, sender=AdminScope, dispatch_uid="audit-scope-saved")
    post_delete.connect(_scope_deleted, sender=AdminScope, dispatch_uid="audit-scope-deleted")
    m2m_changed.connect(_groups_changed, sender=User.groups.through, dispatch_uid="audit-user-groups")
    pre_save.connect(_user_before, sender=User, dispatch_uid="audit-superuser-before")
    post_save.connect(_user_after, sender=User, dispatch_uid="audit-superuser-after")

    from .credits.models import CreditRule, CreditRuleVersion, ScoreScheme

    audit.watch_changes(CreditRule, AuditAction.SCORE_RULE_CHANGED, "积分规则")
    audit.watch_changes(CreditRuleVersion, AuditAction.SCORE_RULE_CHANGED, "积分规则版本")
    audit.watch_changes(ScoreScheme, AuditAction.SCORE_RULE_CHANGED, "组织评分方案")
    post_save.connect(_scheme_saved, sender=ScoreScheme, dispatch_uid="credits-scheme-rescore")
    from .models import Member

    pre_save.connect(_member_before, sender=Member, dispatch_uid="credits-member-before")
    post_save.connect(_member_after, sender=Member, dispatch_uid="credits-member-after")
    pre_delete.connect(_member_deleted, sender=Member, dispatch_uid="credits-member-deleted")
