"""The credit ledger, its versioned rules, the aggregates built from it and ranking snapshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from school.models import Member, Organization


class SourceType(models.TextChoices):
    LESSON = "lesson", _("Lesson")
    COURSE = "course", _("Course")
    EXAM = "exam", _("Exam")
    PRACTICE = "practice", _("Daily practice")
    DOCUMENT = "document", _("Document reading")
    BATTLE = "battle", _("Quiz battle")


class Basis(models.TextChoices):
    FIXED = "fixed", _("Fixed points per event")
    PER_UNIT = "per_unit", _("Points per unit (credit hour, practice point, minute)")
    SCORE_BANDS = "score_bands", _("Points by score band")


class Repeat(models.TextChoices):
    ONCE = "once", _("Once per source")
    DAILY = "daily", _("Once per source and day")


class CreditRule(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    source_type = models.CharField(_("source"), max_length=20, choices=SourceType.choices)
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices, default=Basis.FIXED)
    repeat = models.CharField(_("repeat"), max_length=10, choices=Repeat.choices, default=Repeat.ONCE)
    active = models.BooleanField(_("active"), default=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, editable=False,
                                   on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("credit rule")
        verbose_name_plural = _("credit rules")
        ordering = ["source_type", "code"]

    def __str__(self) -> str:
        return self.name

    def version_on(self, day: dt.date) -> CreditRuleVersion | None:
        return (self.versions.filter(effective_from__lte=day)
                .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day)).first())


class CreditRuleVersion(models.Model):
    """The numbers of a rule for a validity period. Versions of a rule never overlap; a version that
    already earned credits keeps its numbers (only its end date may still be set)."""

    rule = models.ForeignKey(CreditRule, on_delete=models.PROTECT, related_name="versions",
                             verbose_name=_("rule"))
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, default=Decimal("0"),
                                 help_text=_("Points per event (fixed basis)."))
    factor = models.DecimalField(_("points per unit"), max_digits=8, decimal_places=2, default=Decimal("0"),
                                 help_text=_("Per credit hour, practice point or minute (per-unit basis)."))
    bands = models.JSONField(_("score bands"), default=list, blank=True,
                             help_text=_('Score bands as [[minimum score in percent of the total, points], ...], '
                                         'e.g. [[60, 1], [90, 2]].'))
    daily_cap = models.DecimalField(_("daily cap"), max_digits=8, decimal_places=2, null=True, blank=True,
                                    help_text=_("At most this many points a day from this rule; empty = no cap."))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True,
                                    help_text=_("Last day of validity; empty = open-ended."))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, editable=False,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("credit rule version")
        verbose_name_plural = _("credit rule versions")
        ordering = ["rule", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "effective_from"], name="credit_version_unique_start"),
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                                   name="credit_version_valid_range"),
            models.CheckConstraint(condition=Q(points__gte=0) & Q(factor__gte=0), name="credit_version_points_nonneg"),
            models.CheckConstraint(condition=Q(daily_cap__isnull=True) | Q(daily_cap__gte=0),
                                   name="credit_version_cap_nonneg"),
        ]

    def __str__(self) -> str:
        end = self.effective_to.isoformat() if self.effective_to else "…"
        return f"{self.rule} {self.effective_from:%Y-%m-%d}–{end}"

    # Set by school.credits.rules for a new version: the open-ended version before it will be closed
    # the day before it starts, in the same transaction, so it does not count as overlapping.
    closes_open_version = False

    def overlapping(self) -> models.QuerySet[CreditRuleVersion]:
        qs = CreditRuleVersion.objects.filter(rule_id=self.rule_id).exclude(pk=self.pk)
        if self.pk is None and self.closes_open_version:
            qs = qs.exclude(effective_to__isnull=True, effective_from__lt=self.effective_from)
        qs = qs.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from))
        if self.effective_to is not None:
            qs = qs.filter(effective_from__lte=self.effective_to)
        return qs

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            errors["effective_to"] = _("The end date is before the start date.")
        if self.rule_id and self.effective_from and self.overlapping().exists():
            other = self.overlapping().first()
            errors["effective_from"] = _("The validity period overlaps version %(other)s of the same rule.") % {
                "other": other}
        if not isinstance(self.bands, list) or not all(
            isinstance(b, list) and len(b) == 2 and all(isinstance(x, int | float) and x >= 0 for x in b)
            for b in self.bands
        ):
            errors["bands"] = _("Score bands must be a list of [minimum score, points] pairs of non-negative numbers.")
        if errors:
            raise ValidationError(errors)


class CreditEntry(models.Model):
    """One award. ``raw_points`` is what the rule gave; ``points`` is what counts after the rule's
    daily cap, allocated in (earned_at, id) order within the member's day."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="credit_entries")
    rule = models.ForeignKey(CreditRule, on_delete=models.PROTECT, related_name="entries")
    rule_version = models.ForeignKey(CreditRuleVersion, on_delete=models.PROTECT, related_name="entries")
    source_type = models.CharField(max_length=20, choices=SourceType.choices)
    source_id = models.BigIntegerField()
    period_key = models.CharField(max_length=10, blank=True, default="",
                                  help_text="Empty for once-per-source rules, the day for daily rules.")
    quantity = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    raw_points = models.DecimalField(max_digits=10, decimal_places=2)
    points = models.DecimalField(max_digits=10, decimal_places=2)
    earned_at = models.DateTimeField()
    day = models.DateField()
    month = models.CharField(max_length=7)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        ordering = ["-earned_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "rule", "source_type", "source_id", "period_key"],
                                    name="credit_entry_once"),
            models.CheckConstraint(condition=Q(points__gte=0) & Q(raw_points__gte=0), name="credit_entry_nonneg"),
            models.CheckConstraint(condition=Q(points__lte=models.F("raw_points")), name="credit_entry_capped"),
        ]
        indexes = [
            # Covers every period query: the recompute's GROUP BY member and its daily-cap window
            # (partitioned by member, rule, day in earned_at order) read the index only, and the
            # incremental cap allocation finds a member's day by its prefix.
            models.Index(fields=["month", "member", "rule", "day", "earned_at", "raw_points", "points",
                                 "rule_version"], name="credit_entry_period"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.rule_id} {self.points}"


class MemberCredit(models.Model):
    """A member's total for a period key (month, quarter, year, ``all``)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="credit_totals")
    period = models.CharField(max_length=7)
    points = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    entries = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "period"], name="member_credit_once")]
        indexes = [models.Index(fields=["period", "points"], name="member_credit_rank")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.period} {self.points}"


class ScoreMode(models.TextChoices):
    MEMBERS = "members", _("Average over every member of the subtree")
    CHILDREN = "children", _("Average of the child organizations' scores")


class ScoreScheme(models.Model):
    """Weights of an organization's score. The active scheme (latest ``active``) applies."""

    name = models.CharField(_("name"), max_length=100)
    mode = models.CharField(_("mode"), max_length=10, choices=ScoreMode.choices, default=ScoreMode.MEMBERS)
    monthly_target = models.DecimalField(
        _("monthly target points"), max_digits=8, decimal_places=2, default=Decimal("10"),
        help_text=_("Average points per member a month that count as full marks for the credits component."))
    weight_credits = models.PositiveSmallIntegerField(_("weight: average credits"), default=40)
    weight_participation = models.PositiveSmallIntegerField(_("weight: participation rate"), default=30)
    weight_tasks = models.PositiveSmallIntegerField(_("weight: task completion rate"), default=15)
    weight_exams = models.PositiveSmallIntegerField(_("weight: exam pass rate"), default=15)
    active = models.BooleanField(_("active"), default=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, editable=False,
                                   on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("score scheme")
        verbose_name_plural = _("score schemes")
        constraints = [models.CheckConstraint(condition=Q(monthly_target__gt=0), name="score_scheme_target_pos")]

    def __str__(self) -> str:
        return self.name


class OrganizationScore(models.Model):
    """Sums over an organization's whole subtree for a period, and the score built from them."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="scores")
    period = models.CharField(max_length=7)
    members = models.IntegerField(default=0)
    participants = models.IntegerField(default=0)
    points = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    task_done = models.IntegerField(default=0)
    task_total = models.IntegerField(default=0)
    exam_passed = models.IntegerField(default=0)
    exam_total = models.IntegerField(default=0)
    avg_points = models.FloatField(default=0)
    participation_rate = models.FloatField(default=0)
    task_rate = models.FloatField(null=True)
    pass_rate = models.FloatField(null=True)
    score = models.FloatField(default=0)
    # When the row's numbers last changed (an event applied by the incremental path, or a recompute that
    # found them different): the 数据更新于 of the statistics pages, charts and exports.
    updated_at = models.DateTimeField(null=True, blank=True)
    # Quarter, year and ``all`` rows only: events write the month rows; these are brought up to date when
    # read (``recompute.bring_up_to_date``). Set on the organization whose subtree was brought up to date:
    # the newest month-row change of its subtree they were computed from.
    as_of = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "period"], name="org_score_once")]
        indexes = [models.Index(fields=["period", "score"], name="org_score_rank")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.period} {self.score}"


class MemberMetric(models.Model):
    """Per-member numerators/denominators of the metrics other apps provide (tasks, exams)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=7)
    metric = models.CharField(max_length=10)  # "tasks" / "exams"
    done = models.IntegerField(default=0)
    total = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "period", "metric"], name="member_metric_once")]
        # The recompute deletes a period's rows and sums them by organization: both find the period's
        # rows by this index instead of reading every period's.
        indexes = [models.Index(fields=["period", "metric", "member"], name="member_metric_period")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.period} {self.metric} {self.done}/{self.total}"


class SnapshotImmutable(Exception):
    """A published ranking snapshot never changes."""


class RankingKind(models.TextChoices):
    MEMBERS = "members", _("Members")
    ORGANIZATIONS = "organizations", _("Organizations")


class SnapshotQuerySet(models.QuerySet["RankingSnapshot"]):
    def update(self, **kwargs: Any) -> int:
        if self.filter(published=True).exists():
            raise SnapshotImmutable(_("A published ranking cannot be changed."))
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(published=True).exists():
            raise SnapshotImmutable(_("A published ranking cannot be changed."))
        return super().delete()


class RankingSnapshot(models.Model):
    kind = models.CharField(max_length=20, choices=RankingKind.choices)
    scope = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=7)
    published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Two beats (or two admins) publishing at once cannot publish two rankings for one period.
            models.UniqueConstraint(fields=["kind", "scope", "period"], condition=models.Q(published=True),
                                    name="credits_one_published_snapshot_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period} {self.scope_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and RankingSnapshot.objects.filter(pk=self.pk, published=True).exists():
            raise SnapshotImmutable(_("A published ranking cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.published:
            raise SnapshotImmutable(_("A published ranking cannot be changed."))
        return super().delete(*args, **kwargs)


class SnapshotRowQuerySet(models.QuerySet["RankingSnapshotRow"]):
    def _guard(self) -> None:
        if self.filter(snapshot__published=True).exists():
            raise SnapshotImmutable(_("A published ranking cannot be changed."))

    def update(self, **kwargs: Any) -> int:
        self._guard()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._guard()
        return super().delete()


class RankingSnapshotRow(models.Model):
    snapshot = models.ForeignKey(RankingSnapshot, on_delete=models.PROTECT, related_name="rows")
    rank = models.PositiveIntegerField()
    object_id = models.BigIntegerField()
    name = models.CharField(max_length=200)
    organization_name = models.CharField(max_length=200, blank=True)
    value = models.FloatField()

    objects = SnapshotRowQuerySet.as_manager()

    class Meta:
        ordering = ["snapshot", "rank", "object_id"]

    def __str__(self) -> str:
        return f"{self.rank} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if RankingSnapshot.objects.filter(pk=self.snapshot_id, published=True).exists():
            raise SnapshotImmutable(_("A published ranking cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.snapshot.published:
            raise SnapshotImmutable(_("A published ranking cannot be changed."))
        return super().delete(*args, **kwargs)


class RecomputeState(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("recompute", "Queued")
    RUNNING = "running", pgettext_lazy("recompute", "Running")
    DONE = "done", pgettext_lazy("recompute", "Done")
    FAILED = "failed", pgettext_lazy("recompute", "Failed")


ACTIVE_RECOMPUTE = [RecomputeState.QUEUED, RecomputeState.RUNNING]


class RecomputeRequest(models.Model):
    """An administrator's 立即重新计算 of their subtree's statistics: queued as a Celery task, its progress
    counted in periods; at most one queued or running per organization (the partial unique constraint)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    periods = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=RecomputeState.choices, default=RecomputeState.QUEUED)
    steps_done = models.IntegerField(default=0)
    steps_total = models.IntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization"], condition=Q(state__in=["queued", "running"]),
                                    name="credits_one_active_recompute_per_organization"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.state} {self.steps_done}/{self.steps_total}"
