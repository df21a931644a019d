from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from school.models import Member

from .banks import QuestionVersion


class PracticeDay(models.Model):
    """每日答题: the questions a member gets on one day and the points earned (capped)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="practice_days")
    date = models.DateField()
    version_ids = models.JSONField(default=list)
    answered = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)
    points = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("practice day")
        verbose_name_plural = _("practice days")
        constraints = [models.UniqueConstraint(fields=["member", "date"], name="exams_practice_day_unique")]

    def __str__(self) -> str:
        return f"{self.member} {self.date}"


class PracticeAnswer(models.Model):
    day = models.ForeignKey(PracticeDay, on_delete=models.CASCADE, related_name="answers")
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    response = models.JSONField(default=list)
    is_correct = models.BooleanField(default=False)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "version"], name="exams_practice_answer_unique")]

    def __str__(self) -> str:
        return f"{self.day_id}:{self.version_id}"
