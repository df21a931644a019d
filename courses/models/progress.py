"""Learning progress per member and page (lesson or policy document): merged watched intervals."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgressKind(models.TextChoices):
    VIDEO = "video", _("Video")
    READING = "reading", _("Reading")
    DOCUMENT = "document", _("Document")


class StudyProgress(models.Model):
    """One row per member and page. ``intervals`` is the merged list of ``[start, end]`` seconds covered.

    A playback session (``session_token``) is issued by the start call; only the newest session of the member,
    on any page, may send heartbeats (starting a page empties the token of the member's other pages), and each
    heartbeat must carry a higher ``last_seq`` than the one before. ``last_heartbeat_at`` is the session's
    study clock: the real time up to which study has been credited (``courses.services.progress``).
    """

    member = models.ForeignKey("school.Member", on_delete=models.CASCADE, related_name="study_progress")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ProgressKind.choices)
    duration = models.FloatField(default=0)
    required_seconds = models.FloatField(default=0)
    intervals = models.JSONField(default=list, blank=True)
    watched_seconds = models.FloatField(default=0)
    furthest_position = models.FloatField(default=0)
    position = models.FloatField(default=0, help_text="resume position")
    completed_at = models.DateTimeField(null=True, blank=True)
    session_token = models.CharField(max_length=32, blank=True)
    session_started_at = models.DateTimeField(null=True, blank=True)
    last_seq = models.BigIntegerField(default=0)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("study progress")
        verbose_name_plural = _("study progress")
        constraints = [models.UniqueConstraint(fields=["member", "page"], name="courses_progress_member_page")]
        indexes = [models.Index(fields=["page", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.member_id}/{self.page_id}"

    @property
    def share(self) -> float:
        if self.required_seconds <= 0:
            return 1.0 if self.completed_at else 0.0
        return min(1.0, self.watched_seconds / self.required_seconds)

    @property
    def percent(self) -> int:
        """What the bar shows, agreeing with the 已完成 text: 100 exactly when the page is completed (also when
        the lesson's required time grew after it was completed), otherwise at most 99."""
        if self.completed_at:
            return 100
        return min(99, int(self.share * 100))
