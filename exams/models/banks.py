"""Question banks, questions and their immutable versions.

``Question`` holds the editable content; every change of content writes a new ``QuestionVersion``
row (``snapshot``). Papers reference versions, so editing a question never changes a drawn paper.
Type, difficulty, usage counter and a random key are kept on ``Question`` for indexed draws.
"""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionType(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    JUDGE = "judge", _("True/false")
    FILL = "fill", _("Fill in the blank")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("knowledge tag")
        verbose_name_plural = _("knowledge tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BankUse(models.TextChoices):
    """What a bank is for. Daily practice shows the answer key right after each answer, so questions
    of exams belong in exam-only banks; practice draws only from practice and shared banks."""

    PRACTICE = "practice", _("Practice only")
    EXAM = "exam", _("Exams only")
    BOTH = "both", _("Practice and exams")


PRACTICE_USES = (BankUse.PRACTICE, BankUse.BOTH)
EXAM_USES = (BankUse.EXAM, BankUse.BOTH)


class QuestionBank(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="question_banks", verbose_name=_("owner")
    )
    use = models.CharField(
        _("used for"), max_length=10, choices=BankUse.choices, default=BankUse.BOTH,
        help_text=_("Daily practice shows each answer key at once: keep the questions of exams in an "
                    "exam-only bank. Practice draws from practice and shared banks, exams from exam and "
                    "shared banks."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def content_hash(qtype: str, stem: str, options: list[str], answer: Any) -> str:
    payload = json.dumps([qtype, stem.strip(), [o.strip() for o in options], answer], ensure_ascii=False,
                         sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _random_key() -> float:
    return random.random()


class Question(models.Model):
    """``answer``: list of correct option indices (choice, judge) or, for fill, one list of accepted
    answers per blank."""

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="questions",
                             verbose_name=_("question bank"))
    qtype = models.CharField(_("type"), max_length=10, choices=QuestionType.choices)
    stem = models.TextField(_("stem"))
    options = models.JSONField(_("options"), default=list, blank=True)
    answer = models.JSONField(_("answer"), default=list)
    explanation = models.TextField(_("explanation"), blank=True)
    source = models.CharField(_("source"), max_length=255, blank=True)
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), default=3)
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions", verbose_name=_("tags"))
    content_hash = models.CharField(max_length=64, editable=False)
    usage_count = models.PositiveIntegerField(_("times drawn"), default=0, editable=False)
    random_key = models.FloatField(default=_random_key, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    current_version = models.ForeignKey(
        "QuestionVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["bank_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "content_hash"], name="exams_question_unique_content"),
            models.CheckConstraint(condition=models.Q(difficulty__gte=1, difficulty__lte=5),
                                   name="exams_question_difficulty_1_5"),
        ]
        indexes = [
            # Draws read least-used buckets in random-key order straight from this index (no sort).
            models.Index(fields=["bank", "qtype", "difficulty", "usage_count", "random_key"],
                         condition=models.Q(is_active=True), name="exams_q_draw"),
            models.Index(fields=["random_key"], name="exams_q_random"),
        ]

    def __str__(self) -> str:
        return self.stem[:60]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.content_hash = self.compute_hash()
        super().save(*args, **kwargs)
        self.snapshot()

    def compute_hash(self) -> str:
        return content_hash(self.qtype, self.stem, list(self.options), self.answer)

    def snapshot(self) -> QuestionVersion:
        """Write a new version when the content differs from the current one (versions never change)."""
        current = self.current_version
        if current is not None and current.content_hash == self.content_hash and \
                current.explanation == self.explanation and current.difficulty == self.difficulty:
            return current
        number = (self.versions.aggregate(m=models.Max("number"))["m"] or 0) + 1
        version = QuestionVersion.objects.create(
            question=self, number=number, qtype=self.qtype, stem=self.stem, options=list(self.options),
            answer=self.answer, explanation=self.explanation, difficulty=self.difficulty,
            content_hash=self.content_hash,
        )
        Question.objects.filter(pk=self.pk).update(current_version=version)
        self.current_version = version
        return version


class QuestionVersion(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    qtype = models.CharField(max_length=10, choices=QuestionType.choices)
    stem = models.TextField()
    options = models.JSONField(default=list)
    answer = models.JSONField(default=list)
    explanation = models.TextField(blank=True)
    difficulty = models.PositiveSmallIntegerField(default=3)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("question version")
        verbose_name_plural = _("question versions")
        constraints = [models.UniqueConstraint(fields=["question", "number"], name="exams_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.stem[:50]} (v{self.number})"

    @property
    def blanks(self) -> int:
        return len(self.answer) if self.qtype == QuestionType.FILL else 0
