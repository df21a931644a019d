"""Study tasks (学习任务) assigned to organization subtrees (their notifications go through school's
notification centre)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class StudyTask(models.Model):
    """Assigned to every member in ``organization``'s subtree (optionally only some political statuses).

    Membership is computed from the scope, never copied: a member who joins later inherits open tasks.
    """

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    organization = models.ForeignKey("school.Organization", verbose_name=_("organization"),
                                     on_delete=models.CASCADE, related_name="+")
    political_statuses = models.JSONField(_("political statuses"), default=list, blank=True,
                                          help_text=_("Empty: every member."))
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("deadline"))
    required_credits = models.DecimalField(_("required credits"), max_digits=6, decimal_places=1,
                                           default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))],
                                           help_text=_("0 means every assigned item must be completed."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("study task")
        verbose_name_plural = _("study tasks")
        ordering = ["-ends_on", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                              name="courses_task_dates_ordered")]

    def __str__(self) -> str:
        return self.title


class StudyTaskItem(models.Model):
    """One assigned course, lesson or policy document."""

    task = models.ForeignKey(StudyTask, on_delete=models.CASCADE, related_name="items")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["task", "page"], name="courses_task_item_unique")]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.page_id}"


class TaskReminder(models.Model):
    """A reminder sent to one member for one task; the unique constraint makes it once only."""

    task = models.ForeignKey(StudyTask, on_delete=models.CASCADE, related_name="reminders")
    member = models.ForeignKey("school.Member", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "member"], name="courses_reminder_once")]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.member_id}"
