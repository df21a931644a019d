"""Accounts: one-time activation codes, the sheets that hand them out, and SMS verification codes.

Codes are stored only as keyed hashes (``school.accounts.codes.code_hash``); the plain activation codes
exist once, in the sheet file that the issuing administrator downloads.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .members import Member
from .organizations import Organization


class ActivationSheet(models.Model):
    """One issue of activation codes for a set of members, built by a Celery task into an Excel sheet."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("activation sheet", "Waiting")
        RUNNING = "running", pgettext_lazy("activation sheet", "Issuing")
        DONE = "done", pgettext_lazy("activation sheet", "Ready")
        FAILED = "failed", pgettext_lazy("activation sheet", "Failed")

    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    member_ids = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    valid_until = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="accounts/sheets/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("activation sheet")
        verbose_name_plural = _("activation sheets")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"activation sheet {self.pk}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)


class ActivationCode(models.Model):
    """A one-time code a member logs in with once, then chooses a password."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="activation_codes")
    code_hash = models.CharField(max_length=64)
    sheet = models.ForeignKey(ActivationSheet, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["member", "code_hash"])]

    def __str__(self) -> str:
        return f"activation code of member {self.member_id}"


class SmsCode(models.Model):
    """A 6-digit verification code sent by SMS (or e-mail) for self-activation or a forgotten password."""

    class Purpose(models.TextChoices):
        ACTIVATE = "activate", pgettext_lazy("sms", "Activate account")
        RESET = "reset", pgettext_lazy("sms", "Reset password")

    class State(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("sms", "Queued")
        SENT = "sent", pgettext_lazy("sms", "Sent")
        FAILED = "failed", pgettext_lazy("sms", "Failed")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    phone = models.CharField(max_length=20, blank=True, db_index=True)
    email = models.CharField(max_length=254, blank=True)
    address = models.CharField(max_length=64, blank=True, db_index=True)
    code_hash = models.CharField(max_length=64)
    # The plain code only until the worker has sent it (the task takes ids), then erased.
    code_encrypted = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"sms code {self.pk}"
