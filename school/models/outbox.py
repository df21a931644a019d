from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxTask(models.Model):
    """A Celery task the broker did not take (or not yet): sent again by ``school.outbox.flush``.

    Written in the transaction of the data change (``send_on_commit`` inside a transaction; deleted
    once the broker took the message after commit) or right after the publish failed (``send``).
    Every task is safe to run twice, so a row sent again after a lost acknowledgement is harmless."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    queue = models.CharField(_("queue"), max_length=100, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    attempts = models.PositiveIntegerField(_("failed sends"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), db_index=True)

    class Meta:
        verbose_name = _("pending task")
        verbose_name_plural = _("pending tasks")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)!r}"


class PeriodicRun(models.Model):
    """When a periodic task last ran, across every beat and worker: ``school.periodic.claim_run``
    claims a run with a conditional UPDATE, so a second beat (started by mistake, or during a
    hand-over) does not run the same entry again within the same interval."""

    name = models.CharField(_("periodic task"), max_length=200, unique=True)
    last_run_at = models.DateTimeField(_("last run"))

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")

    def __str__(self) -> str:
        return self.name
