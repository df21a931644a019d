from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    MEMBER_IMPORT = "member_import", _("Member import")
    MEMBER_EXPORT = "member_export", _("Member export")
    MEMBER_EXPORT_FULL = "member_export_full", _("Member export with full identifiers")
    MEMBER_TRANSFERRED = "member_transferred", _("Member transferred")
    MEMBER_STATUS_CHANGED = "member_status_changed", _("Member status changed")
    ORGANIZATION_IMPORT = "organization_import", _("Organization import")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    SCORE_RULE_CHANGED = "score_rule_changed", _("Score rule changed")
    SCORES_RECOMPUTED = "scores_recomputed", _("Scores recomputed")
    SCORES_RECOMPUTE_REQUESTED = "scores_recompute_requested", _("Recompute of scores requested")
    CERTIFICATE_REVOKED = "certificate_revoked", _("Certificate revoked")
    EXAM_CHANGED = "exam_changed", _("Exam changed after attempts")
    EXAM_SUBMITTED = "exam_submitted", _("Exam submitted for review")
    EXAM_PUBLISHED = "exam_published", _("Exam published")
    EXAM_RETURNED = "exam_returned", _("Exam returned to its author")
    ACTIVATION_CODES_ISSUED = "activation_issued", _("Activation codes issued")
    ACCOUNT_ACTIVATED = "account_activated", _("Account activated")
    PASSWORD_RESET = "password_reset", _("Password reset")
    ACCOUNT_DISABLED = "account_disabled", _("Account disabled")
    ACCOUNT_ENABLED = "account_enabled", _("Account enabled")
    MEMBERS_REMINDED = "members_reminded", _("Members reminded")


class AppendOnlyQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("The audit log is append-only.")

    def delete(self) -> NoReturn:
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """Who did what, when, from where. Rows are never changed or deleted (also enforced by database
    triggers, see migration 0003)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    summary = models.CharField(_("summary"), max_length=500)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    address = models.CharField(_("address"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["action", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("The audit log is append-only.")
