"""Credit rules: turning a rule version and an event's quantity into points, keeping rule history
intact, the default rule set (below), and the registry of source verifiers that the apps above
``school`` fill (at the end)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Basis, CreditRule, CreditRuleVersion, Repeat, ScoreMode, ScoreScheme

CENT = Decimal("0.01")


def raw_points(rule: CreditRule, version: CreditRuleVersion, quantity: Decimal | None) -> Decimal:
    if rule.basis == Basis.FIXED:
        value = version.points
    elif rule.basis == Basis.PER_UNIT:
        value = version.factor * (quantity or Decimal("0"))
    else:
        value = Decimal("0")
        score = quantity or Decimal("0")
        for minimum, points in sorted(version.bands, key=lambda band: band[0]):
            if score >= Decimal(str(minimum)):
                value = Decimal(str(points))
    return max(Decimal("0"), value).quantize(CENT, rounding=ROUND_HALF_UP)


def active_rules(source_type: str, day: dt.date) -> list[tuple[CreditRule, CreditRuleVersion]]:
    pairs = []
    for rule in CreditRule.objects.filter(source_type=source_type, active=True).order_by("pk"):
        version = rule.version_on(day)
        if version is not None:
            pairs.append((rule, version))
    return pairs


_LOCKED_FIELDS = ("points", "factor", "bands", "daily_cap", "effective_from")


def _open_before(version: CreditRuleVersion) -> CreditRuleVersion | None:
    """The open-ended version a new version will close (the day before the new one starts)."""
    if version.pk is not None or not version.rule_id or not version.effective_from:
        return None
    return (CreditRuleVersion.objects.filter(rule_id=version.rule_id, effective_to__isnull=True,
                                             effective_from__lt=version.effective_from).first())


def validate_rule_version(version: CreditRuleVersion, *, allow_backdate: bool = False) -> None:
    """Every rule a version must follow, as ValidationError (used by the admin form and the service)."""
    today = timezone.localdate()
    if version.pk is None:
        if version.effective_from and version.effective_from < today and not allow_backdate:
            raise ValidationError({"effective_from": _("A new version cannot take effect in the past; "
                                                       "earned credits keep the rules of their day.")})
    else:
        old = CreditRuleVersion.objects.get(pk=version.pk)
        if old.entries.exists():
            if any(getattr(old, f) != getattr(version, f) for f in _LOCKED_FIELDS):
                raise ValidationError(_("This version has already earned credits; its numbers cannot change. "
                                        "Add a new version from a future date instead."))
            if (version.effective_to is not None and version.effective_to < today
                    and old.effective_to != version.effective_to):
                raise ValidationError({"effective_to": _("A version that earned credits cannot end in the past.")})
    version.closes_open_version = True
    version.clean()


@transaction.atomic
def save_rule_version(version: CreditRuleVersion, *, user: Any = None, allow_backdate: bool = False) -> CreditRuleVersion:
    """Create or change a version. History is never rewritten: a new version may not start in the
    past (unless ``allow_backdate`` for seeding), a version that earned credits keeps its numbers
    and may only be ended on or after today; periods of one rule never overlap (the rule row is
    locked so concurrent edits are serialized). A new version closes the open-ended one before it."""
    CreditRule.objects.select_for_update().get(pk=version.rule_id)
    version.closes_open_version = True
    validate_rule_version(version, allow_backdate=allow_backdate)
    closing = _open_before(version)
    if closing is not None:
        closing.effective_to = version.effective_from - dt.timedelta(days=1)
        closing.full_clean()
        closing.save(update_fields=["effective_to"])
    if version.pk is None:
        version.created_by = user if user is not None and user.is_authenticated else None
    version.full_clean()
    version.save()
    CreditRule.objects.filter(pk=version.rule_id).update(
        changed_by=user if user is not None and user.is_authenticated else None, changed_at=timezone.now())
    return version


# --- Defaults -------------------------------------------------------------------------------------
# A starting rule set and score scheme (created by the demo; editable in the admin afterwards).

DEFAULT_RULES = [
    # code, name, source, basis, repeat, points, factor, bands, daily cap
    ("lesson-hours", "课时学习（按学时）", "lesson", Basis.PER_UNIT, Repeat.ONCE, "0", "2", [], "10"),
    ("course-complete", "完成课程", "course", Basis.FIXED, Repeat.ONCE, "5", "0", [], None),
    ("exam-pass", "考试通过（按分数段）", "exam", Basis.SCORE_BANDS, Repeat.ONCE, "0", "0",
     [[60, 2], [80, 4], [90, 6]], None),
    ("daily-practice", "每日答题", "practice", Basis.PER_UNIT, Repeat.DAILY, "0", "0.5", [], "5"),
    ("document-reading", "文件阅读（按分钟）", "document", Basis.PER_UNIT, Repeat.ONCE, "0", "0.1", [], "3"),
]


def ensure_default_rules(effective_from: dt.date) -> list[CreditRule]:
    made = []
    for code, name, source, basis, repeat, points, factor, bands, cap in DEFAULT_RULES:
        rule, created = CreditRule.objects.get_or_create(
            code=code, defaults={"name": name, "source_type": source, "basis": basis, "repeat": repeat})
        if created:
            save_rule_version(CreditRuleVersion(
                rule=rule, points=Decimal(points), factor=Decimal(factor), bands=bands,
                daily_cap=Decimal(cap) if cap else None, effective_from=effective_from, note="初始规则"),
                allow_backdate=True)
        made.append(rule)
    if not ScoreScheme.objects.exists():
        ScoreScheme.objects.create(name="年度学习考核方案", mode=ScoreMode.MEMBERS, monthly_target=Decimal("20"))
    return made


# --- Source verifiers (the registry) --------------------------------------------------------------
# What the apps above ``school`` register so the ledger can trust their events.
#
# ``register_source_verifier(source_type, fn)``: ``fn(member_id, source_id) -> bool`` answers, from the
# owning app's own tables, whether the member really completed/passed that source. The posting service
# asks it before every award; a source type with no verifier awards nothing (forged or unknown events
# are refused). Optionally ``quantity(member_id, source_id) -> Decimal | None`` gives the authoritative
# quantity (credit hours, score, practice points, minutes) so the event cannot carry a forged number.

# Optionally ``describe(source_ids) -> {source_id: (title, url or None)}`` names the sources for the
# ledger's drill-down (a lesson's, document's or exam's title with its link, a practice day's date).

Verifier = Callable[[int, int], bool]
Quantity = Callable[[int, int], "Decimal | None"]
Describer = Callable[[list[int]], "dict[int, tuple[str, str | None]]"]


@dataclass(frozen=True)
class Source:
    verify: Verifier
    quantity: Quantity | None = None
    describe: Describer | None = None


_SOURCES: dict[str, Source] = {}


def register_source_verifier(source_type: str, fn: Verifier, quantity: Quantity | None = None,
                             describe: Describer | None = None) -> None:
    _SOURCES[source_type] = Source(fn, quantity, describe)


def describe_sources(source_type: str, source_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """Titles and links of sources for the ledger (empty when the owning app names none)."""
    source = _SOURCES.get(source_type)
    if source is None or source.describe is None or not source_ids:
        return {}
    return source.describe(source_ids)


def source_for(source_type: str) -> Source | None:
    return _SOURCES.get(source_type)


@contextmanager
def override_verifiers(**sources: Source | None) -> Iterator[None]:
    """Swap verifiers for a block (tests, the demo's synthetic sources), restoring the old ones."""
    saved = dict(_SOURCES)
    try:
        for key, source in sources.items():
            if source is None:
                _SOURCES.pop(key, None)
            else:
                _SOURCES[key] = source
        yield
    finally:
        _SOURCES.clear()
        _SOURCES.update(saved)
