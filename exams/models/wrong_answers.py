"""错题本: the questions a member answered wrongly (daily practice, or a submitted exam once its review
setting shows answers), until they answer them correctly ``EXAMS_WRONG_BOOK_CLEAR_AFTER`` times in a row."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from school.models import Member

from .attempts import Attempt
from .banks import Question, QuestionVersion


class WrongAnswer(models.Model):
    class Source(models.TextChoices):
        PRACTICE = "practice", _("Daily practice")
        EXAM = "exam", _("Exam")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="wrong_answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    # The version last answered wrongly: what the book shows (papers and banks may move on).
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    attempt = models.ForeignKey(Attempt, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_response = models.JSONField(null=True, blank=True)
    last_correct = models.BooleanField(default=False)
    wrong_count = models.PositiveIntegerField(default=1)
    streak = models.PositiveIntegerField(default=0)  # correct answers in a row since the last wrong one
    # An exam whose answers show only after it closes: the entry appears then.
    visible_from = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("wrong answer")
        verbose_name_plural = _("wrong answers")
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["member", "question"], name="exams_wrong_answer_unique")]
        indexes = [models.Index(fields=["member", "cleared_at"], name="exams_wrong_member_open")]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.question_id}"
