"""Statistics kept up to date on every submission (same transaction), so pages read a few rows."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from school.models import Organization

from .banks import Question
from .exams import Exam


class ExamStat(models.Model):
    exam = models.OneToOneField(Exam, on_delete=models.CASCADE, related_name="stat", verbose_name=_("exam"))
    submitted = models.PositiveIntegerField(default=0)
    passed = models.PositiveIntegerField(default=0)
    score_sum = models.FloatField(default=0)
    score_sq_sum = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.exam_id}"


class ExamScoreBucket(models.Model):
    """Attempts of one organization's members whose score falls in [bucket*10%, (bucket+1)*10%) of the
    total (bucket 10 = full marks); per organization so that administrators see their subtree only."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="score_buckets", verbose_name=_("exam"))
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)
    bucket = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exam", "organization", "bucket"],
                                               name="exams_bucket_unique")]

    def __str__(self) -> str:
        return f"{self.exam_id}:{self.organization_id}:{self.bucket}"


class ExamOrgStat(models.Model):
    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="org_stats", verbose_name=_("exam"))
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)
    submitted = models.PositiveIntegerField(default=0)
    passed = models.PositiveIntegerField(default=0)
    score_sum = models.FloatField(default=0)
    # when the newest attempt counted here was applied (its submission's transaction): the report's 数据更新于
    updated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exam", "organization"], name="exams_orgstat_unique")]

    def __str__(self) -> str:
        return f"{self.exam_id}:{self.organization_id}"


class ExamQuestionStat(models.Model):
    """Sums for the correct rate and the point-biserial discrimination index of one question."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="question_stats", verbose_name=_("exam"))
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    seen = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)
    score_sum = models.FloatField(default=0)  # total (paper) scores of the attempts that saw it
    score_sq_sum = models.FloatField(default=0)
    correct_score_sum = models.FloatField(default=0)  # total scores of the attempts that got it right

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exam", "question"], name="exams_qstat_unique")]

    def __str__(self) -> str:
        return f"{self.exam_id}:{self.question_id}"
