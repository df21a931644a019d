from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from school.credits import rules
from school.credits.models import Basis, CreditEntry, MemberCredit, OrganizationScore, Repeat
from school.credits.services import post_credit
from tests.factories import Personas

from .builders import at, fake_sources, make_rule

DAY = dt.date(2026, 11, 3)


@pytest.mark.django_db
def test_it_awards_a_verified_lesson_once_even_when_replayed(personas: Personas) -> None:
    make_rule("lesson", "lesson", basis=Basis.PER_UNIT, factor="2")
    with fake_sources() as fake:
        fake.complete("lesson", personas.member.pk, 7, quantity="1.5")
        first = post_credit(personas.member.pk, "lesson", 7, at(DAY))
        replay = post_credit(personas.member.pk, "lesson", 7, at(DAY, 11))
    assert [a.points for a in first] == [Decimal("3.00")]
    assert replay == []
    assert CreditEntry.objects.count() == 1
    total = MemberCredit.objects.get(member=personas.member, period="2026-11")
    assert (total.points, total.entries) == (Decimal("3.00"), 1)
    assert OrganizationScore.objects.get(organization=personas.district, period="2026-11").points == Decimal("3.00")


@pytest.mark.django_db
def test_it_refuses_forged_events(personas: Personas) -> None:
    make_rule("lesson", "lesson")
    make_rule("exam", "exam")
    with fake_sources() as fake:
        fake.complete("lesson", personas.member_a2.pk, 7)  # someone else completed lesson 7
        assert post_credit(personas.member.pk, "lesson", 7, at(DAY)) == []
        assert post_credit(personas.member.pk, "exam", 3, at(DAY)) == []  # exam not passed
    with rules.override_verifiers(lesson=None):  # no verifier registered: nothing is trusted
        assert post_credit(personas.member.pk, "lesson", 7, at(DAY)) == []
    assert CreditEntry.objects.count() == 0
    assert MemberCredit.objects.count() == 0
    assert OrganizationScore.objects.count() == 0


@pytest.mark.django_db
def test_it_refuses_negative_points(personas: Personas) -> None:
    rule = make_rule("doc", "document", basis=Basis.PER_UNIT, factor="1")
    with fake_sources() as fake:
        fake.complete("document", personas.member.pk, 1, quantity="-5")
        assert post_credit(personas.member.pk, "document", 1, at(DAY)) == []
    version = rule.versions.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditEntry.objects.create(member=personas.member, rule=rule, rule_version=version, source_type="document",
                                   source_id=2, raw_points=Decimal("-1"), points=Decimal("-1"), earned_at=at(DAY),
                                   day=DAY, month="2026-11")
    assert CreditEntry.objects.count() == 0


@pytest.mark.django_db
def test_it_applies_daily_caps_in_earned_order_whatever_the_arrival_order(personas: Personas) -> None:
    make_rule("video", "lesson", points="3", daily_cap="5")
    with fake_sources() as fake:
        for lesson in (1, 2, 3):
            fake.complete("lesson", personas.member.pk, lesson)
        post_credit(personas.member.pk, "lesson", 2, at(DAY, 10))
        post_credit(personas.member.pk, "lesson", 3, at(DAY, 11))
        post_credit(personas.member.pk, "lesson", 1, at(DAY, 9))  # arrives last, earned first
    by_source = dict(CreditEntry.objects.values_list("source_id", "points"))
    assert by_source == {1: Decimal("3.00"), 2: Decimal("2.00"), 3: Decimal("0.00")}
    assert MemberCredit.objects.get(member=personas.member, period="2026-11").points == Decimal("5.00")


@pytest.mark.django_db
def test_it_awards_daily_practice_once_per_day(personas: Personas) -> None:
    make_rule("practice", "practice", basis=Basis.PER_UNIT, factor="1", repeat=Repeat.DAILY, daily_cap="5")
    with fake_sources() as fake:
        fake.complete("practice", personas.member.pk, 11, quantity="8")
        post_credit(personas.member.pk, "practice", 11, at(DAY))
        post_credit(personas.member.pk, "practice", 11, at(DAY, 20))
    entry = CreditEntry.objects.get()
    assert (entry.raw_points, entry.points, entry.period_key) == (Decimal("8.00"), Decimal("5.00"), "2026-11-03")


@pytest.mark.django_db
def test_it_awards_exam_score_bands(personas: Personas) -> None:
    make_rule("exam", "exam", basis=Basis.SCORE_BANDS, bands=[[60, 1], [90, 3]])
    with fake_sources() as fake:
        fake.complete("exam", personas.member.pk, 1, quantity="95")
        fake.complete("exam", personas.member_a2.pk, 1, quantity="70")
        post_credit(personas.member.pk, "exam", 1, at(DAY))
        post_credit(personas.member_a2.pk, "exam", 1, at(DAY))
    points = dict(CreditEntry.objects.values_list("member_id", "points"))
    assert points == {personas.member.pk: Decimal("3.00"), personas.member_a2.pk: Decimal("1.00")}


@pytest.mark.django_db(transaction=True)
def test_it_counts_concurrent_duplicate_events_once() -> None:
    from tests.factories import build_personas

    personas = build_personas()
    make_rule("lesson", "lesson", points="2")
    errors: list[BaseException] = []
    with fake_sources() as fake:
        fake.complete("lesson", personas.member.pk, 5)
        barrier = threading.Barrier(4)

        def worker() -> None:
            try:
                barrier.wait()
                post_credit(personas.member.pk, "lesson", 5, at(DAY))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert CreditEntry.objects.count() == 1
    total = MemberCredit.objects.get(member=personas.member, period="2026-11")
    assert (total.points, total.entries) == (Decimal("2.00"), 1)
    assert OrganizationScore.objects.get(organization=personas.district, period="2026-11").participants == 1
