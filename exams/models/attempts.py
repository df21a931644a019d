from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from school.models import Member

from .banks import QuestionVersion
from .exams import Exam


class Attempt(models.Model):
    """``paper``: the drawn paper, a list of ``{"v": version id, "s": section index, "p": option
    permutation (displayed position -> original index)}`` in display order."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="exam_attempts",
                               verbose_name=_("member"))
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("exam"))
    attempt_no = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    paper = models.JSONField(default=list)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    auto_submitted = models.BooleanField(default=False)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)
    section_scores = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "exam", "attempt_no"], name="exams_attempt_unique_no"),
            # At most one open attempt per member and exam, whatever the race.
            models.UniqueConstraint(fields=["member", "exam"], condition=models.Q(submitted_at__isnull=True),
                                    name="exams_attempt_one_open"),
        ]
        indexes = [models.Index(fields=["submitted_at", "deadline"], name="exams_attempt_sweep")]

    def __str__(self) -> str:
        return f"{self.member} · {self.exam} #{self.attempt_no}"

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None

    def version_ids(self) -> list[int]:
        return [int(item["v"]) for item in self.paper]


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    response = models.JSONField(null=True, blank=True)  # None: not answered
    marked = models.BooleanField(_("marked for review"), default=False)  # 标记: kept with the attempt, any device
    saved_at = models.DateTimeField(auto_now=True)
    is_correct = models.BooleanField(null=True)
    points = models.DecimalField(max_digits=6, decimal_places=2, null=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["attempt", "version"], name="exams_answer_unique")]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.version_id}"
