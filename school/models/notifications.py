"""The notification centre: in-site messages for users (the bell), sent by every app through
``school.services.notifications``; the per-user delivery preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NotificationKind(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", _("Study task assigned")
    TASK_DUE = "task_due", _("Study task due soon")
    EXAM_OPENED = "exam_opened", _("Exam opened")
    CERTIFICATE_ISSUED = "certificate_issued", _("Certificate issued")
    CERTIFICATE_REVOKED = "certificate_revoked", _("Certificate revoked")
    NOTICE_PUBLISHED = "notice_published", _("Notice published")
    REMINDER = "reminder", _("Reminder from an administrator")


class SmsState(models.TextChoices):
    NONE = "", pgettext_lazy("sms", "not by SMS")
    PENDING = "pending", pgettext_lazy("sms", "waiting to be sent")
    SENT = "sent", pgettext_lazy("sms", "sent")
    FAILED = "failed", pgettext_lazy("sms", "failed")


class Notification(models.Model):
    """One message for one user. ``dedupe_key`` (when not empty) is unique per user: it makes a send
    idempotent (a reminder is sent at most once per member, item and day; a task-due reminder once)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("content"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=120, blank=True, default="")
    batch = models.CharField(max_length=32, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # SMS copy: pending (chosen, maybe held back by the quiet hours) -> sent / failed; "" when not by SMS.
    sms_state = models.CharField(pgettext_lazy("notification", "SMS"), max_length=10, choices=SmsState.choices, blank=True,
                                 default="", db_default="")  # do_notify inserts rows in raw SQL
    sms_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The bell: unread count of one user is one lookup in this partial index.
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="school_notif_unread"),
            models.Index(fields=["user", "-created_at"], name="school_notif_user_recent"),
            # The held-SMS sweep: the few rows still waiting.
            models.Index(fields=["created_at"], condition=models.Q(sms_state="pending"), name="school_notif_sms_pending"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], condition=~models.Q(dedupe_key=""),
                                    name="school_notif_dedupe"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """How a user wants to be told besides the bell (in-site is always on): e-mail and/or SMS (through
    ``SMS_BACKEND``, held back during ``NOTIFICATIONS_SMS_QUIET_HOURS``), where the site offers them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference")
    email = models.BooleanField(_("also by e-mail"), default=False)
    sms = models.BooleanField(_("also by SMS"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)
