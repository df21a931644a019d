from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel

from school.models import Organization, PoliticalStatus

from .banks import EXAM_USES, QuestionBank, QuestionType, Tag


class MultiplePolicy(models.TextChoices):
    ALL_OR_NOTHING = "all", _("All or nothing")
    PROPORTIONAL = "proportional", _("Proportional if no wrong option is chosen")
    HALF = "half", _("Half marks for a correct subset")


class ReviewPolicy(models.TextChoices):
    NEVER = "never", _("Score only")
    AFTER_SUBMIT = "after_submit", _("Answers and explanations after submitting")
    AFTER_CLOSE = "after_close", _("Answers and explanations after the exam closes")


class Exam(ClusterableModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("Awaiting review")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    title: models.CharField[Any, Any] = models.CharField(_("title"), max_length=200)
    description: models.TextField[Any, Any] = models.TextField(_("description"), blank=True)
    status: models.CharField[Any, Any] = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by: models.ForeignKey[Any, Any] = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    time_limit_minutes: models.PositiveIntegerField[Any, Any] = models.PositiveIntegerField(_("time limit (minutes)"), default=60)
    pass_mark: models.DecimalField[Any, Any] = models.DecimalField(_("pass mark"), max_digits=7, decimal_places=2, default=Decimal(60))
    attempts_allowed: models.PositiveIntegerField[Any, Any] = models.PositiveIntegerField(_("attempts allowed"), default=1,
                                                   help_text=_("0 means unlimited."))
    opens_at: models.DateTimeField[Any, Any] = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at: models.DateTimeField[Any, Any] = models.DateTimeField(_("closes at"), null=True, blank=True)
    target_organizations: models.ManyToManyField[Organization, Any] = models.ManyToManyField(
        Organization, blank=True, related_name="+", verbose_name=_("target organizations"),
        help_text=_("Members of these organizations and everything below them may take the exam."),
    )
    target_statuses: models.JSONField[Any, Any] = models.JSONField(
        _("target political statuses"), default=list, blank=True,
        help_text=_("Empty means every status. Values: %(values)s") % {"values": ", ".join(PoliticalStatus.values)},
    )
    shuffle_questions: models.BooleanField[Any, Any] = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_options: models.BooleanField[Any, Any] = models.BooleanField(_("shuffle options"), default=True)
    multiple_policy: models.CharField[Any, Any] = models.CharField(_("multiple-choice scoring"), max_length=20, choices=MultiplePolicy.choices,
                                       default=MultiplePolicy.ALL_OR_NOTHING)
    review_policy: models.CharField[Any, Any] = models.CharField(_("review policy"), max_length=20, choices=ReviewPolicy.choices,
                                     default=ReviewPolicy.AFTER_SUBMIT)
    certificate_on_pass: models.BooleanField[Any, Any] = models.BooleanField(_("certificate on pass"), default=False)
    published_at: models.DateTimeField[Any, Any] = models.DateTimeField(_("published at"), null=True, blank=True,
                                                                         editable=False)
    # When its members were told it is open (exams/services/opening.py); claimed by the beat's run.
    opened_notice_sent_at: models.DateTimeField[Any, Any] = models.DateTimeField(null=True, blank=True,
                                                                                 editable=False)
    created_at: models.DateTimeField[Any, Any] = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def total_points(self) -> Decimal:
        return sum((s.points * s.count for s in self.sections.all()), Decimal(0))

    def is_open(self, now: object | None = None) -> bool:
        now = now or timezone.now()
        if self.status != self.Status.PUBLISHED:
            return False
        if self.opens_at and now < self.opens_at:
            return False
        return not (self.closes_at and now >= self.closes_at)


class ExamSection(ClusterableModel):
    """One row of the blueprint: ``count`` questions of ``qtype`` with difficulty in
    [``difficulty_min``, ``difficulty_max``], tagged with any of ``tags`` (none = any), from ``banks``."""

    exam = ParentalKey(Exam, on_delete=models.CASCADE, related_name="sections")
    order: models.PositiveIntegerField[Any, Any] = models.PositiveIntegerField(_("order"), default=0)
    title: models.CharField[Any, Any] = models.CharField(_("title"), max_length=100, blank=True)
    qtype: models.CharField[Any, Any] = models.CharField(_("question type"), max_length=10, choices=QuestionType.choices)
    count: models.PositiveIntegerField[Any, Any] = models.PositiveIntegerField(_("number of questions"))
    difficulty_min: models.PositiveSmallIntegerField[Any, Any] = models.PositiveSmallIntegerField(_("lowest difficulty"), default=1)
    difficulty_max: models.PositiveSmallIntegerField[Any, Any] = models.PositiveSmallIntegerField(_("highest difficulty"), default=5)
    points: models.DecimalField[Any, Any] = models.DecimalField(_("points each"), max_digits=6, decimal_places=2, default=Decimal(1))
    banks = ParentalManyToManyField(QuestionBank, related_name="+", verbose_name=_("banks"),
                                    limit_choices_to={"use__in": EXAM_USES})
    tags = ParentalManyToManyField(Tag, blank=True, related_name="+", verbose_name=_("tags"))

    class Meta:
        verbose_name = _("blueprint section")
        verbose_name_plural = _("blueprint sections")
        ordering = ["exam", "order", "id"]

    def __str__(self) -> str:
        return self.title or f"{self.get_qtype_display()} × {self.count}"
