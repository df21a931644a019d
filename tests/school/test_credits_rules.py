from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from school.credits import rules
from school.credits.models import CreditEntry, CreditRuleVersion
from school.credits.services import post_credit
from tests.factories import Personas

from .builders import at, fake_sources, make_rule


@pytest.mark.django_db
def test_it_refuses_overlapping_validity_periods(personas: Personas) -> None:
    rule = make_rule("course", "course", points="5", effective_from=dt.date(2026, 1, 1))
    first = rule.versions.get()
    first.effective_to = dt.date(2026, 6, 30)
    first.save()
    overlapping = CreditRuleVersion(rule=rule, points=Decimal("6"), effective_from=dt.date(2026, 6, 1),
                                    effective_to=dt.date(2026, 12, 31))
    with pytest.raises(ValidationError) as info:
        rules.save_rule_version(overlapping, allow_backdate=True)
    assert "重叠" in str(info.value)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses a backwards range
        CreditRuleVersion.objects.create(rule=rule, effective_from=dt.date(2027, 2, 1), effective_to=dt.date(2027, 1, 1))
    assert rule.versions.count() == 1


@pytest.mark.django_db
def test_it_applies_a_new_version_from_its_date_without_rewriting_history(personas: Personas) -> None:
    rule = make_rule("course", "course", points="5", effective_from=dt.date(2026, 1, 1))
    with fake_sources() as fake:
        fake.complete("course", personas.member.pk, 1)
        fake.complete("course", personas.member.pk, 2)
        post_credit(personas.member.pk, "course", 1, at(dt.date(2026, 3, 1)))
        rules.save_rule_version(CreditRuleVersion(rule=rule, points=Decimal("8"), effective_from=dt.date(2026, 4, 1)),
                                allow_backdate=True)
        post_credit(personas.member.pk, "course", 2, at(dt.date(2026, 4, 2)))
    old, new = rule.versions.order_by("effective_from")
    assert old.effective_to == dt.date(2026, 3, 31)  # the open version was closed the day before
    entries = dict(CreditEntry.objects.values_list("source_id", "points"))
    assert entries == {1: Decimal("5.00"), 2: Decimal("8.00")}
    assert CreditEntry.objects.get(source_id=1).rule_version_id == old.pk
    assert CreditEntry.objects.get(source_id=2).rule_version_id == new.pk


@pytest.mark.django_db
def test_it_keeps_the_numbers_of_a_version_that_earned_credits(personas: Personas) -> None:
    rule = make_rule("course", "course", points="5")
    with fake_sources() as fake:
        fake.complete("course", personas.member.pk, 1)
        post_credit(personas.member.pk, "course", 1, at(dt.date(2026, 3, 1)))
    version = rule.versions.get()
    version.points = Decimal("50")
    with pytest.raises(ValidationError):
        rules.save_rule_version(version)
    version.refresh_from_db()
    assert version.points == Decimal("5.00")


@pytest.mark.django_db
def test_it_refuses_a_new_version_in_the_past(personas: Personas) -> None:
    rule = make_rule("course", "course", points="5")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        rules.save_rule_version(CreditRuleVersion(rule=rule, points=Decimal("1"), effective_from=yesterday))
    assert rule.versions.count() == 1
