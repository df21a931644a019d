"""The notification centre: in-site messages for users (the bell), sent by every app through
``school.services.notifications``; the per-user delivery preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", _("Study task assigned")
    TASK_DUE = "task_due", _("Study task due soon")
    EXAM_OPENED = "exam_opened", _("Exam opened")
    CERTIFICATE_ISSUED = "certificate_issued", _("Certificate issued")
    CERTIFICATE_REVOKED = "certificate_revoked", _("Certificate revoked")
    NOTICE_PUBLISHED = "notice_published", _("Notice published")
    REMINDER = "reminder", _("Reminder from an administrator")


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

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The bell: unread count of one user is one lookup in this partial index.
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="school_notif_unread"),
            models.Index(fields=["user", "-created_at"], name="school_notif_user_recent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], condition=~models.Q(dedupe_key=""),
                                    name="school_notif_dedupe"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """How a user wants to be told besides the bell (in-site is always on). SMS joins when the project
    has an SMS sender backend (``SMS_BACKEND``), with quiet hours."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference")
    email = models.BooleanField(_("also by e-mail"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)
