from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import F

from school.credits import recompute as credit_recompute
from school.credits import rules
from school.credits.models import (
    Basis,
    CreditEntry,
    CreditRuleVersion,
    MemberCredit,
    OrganizationScore,
    Repeat,
    ScoreMode,
    ScoreScheme,
)
from school.credits.periods import parse
from school.credits.services import post_credit
from school.models import Organization
from tests.factories import Personas, make_member, make_org

from .builders import at, fake_sources, make_rule


def _snapshot() -> tuple[list[Any], list[Any], list[Any]]:
    entries = sorted(CreditEntry.objects.values_list("id", "points"))
    totals = sorted(MemberCredit.objects.values_list("member_id", "period", "points", "entries"))
    scores = sorted(OrganizationScore.objects.filter(participants__gt=0).values_list(
        "organization_id", "period", "members", "participants", "points", "avg_points", "participation_rate",
        "task_rate", "pass_rate", "score"))
    return entries, totals, scores


def _random_history(personas: Personas, seed: int) -> None:
    rng = random.Random(seed)
    a3 = make_org(personas.branch_group_a, "第三党支部", "TA3")
    group = make_org(a3, "第一党小组", "TA3G1", "group")
    members = [personas.member, personas.member_a2, personas.member_x]
    members += [make_member(rng.choice([personas.a1, personas.a2, a3, group, personas.x1])) for _ in range(12)]
    make_rule("video", "lesson", basis=Basis.PER_UNIT, factor="1.5", daily_cap="4")
    make_rule("course", "course", points="5")
    make_rule("exam", "exam", basis=Basis.SCORE_BANDS, bands=[[60, 1], [85, 2.5]])
    make_rule("practice", "practice", basis=Basis.PER_UNIT, factor="0.1", repeat=Repeat.DAILY, daily_cap="1")
    with fake_sources() as fake:
        events = []
        for _ in range(300):
            member = rng.choice(members[:-3])  # three members never study: they count as zero
            source = rng.choice(["lesson", "course", "exam", "practice"])
            source_id = rng.randint(1, 25)
            day = dt.date(2026, rng.choice([9, 10, 11, 12]), rng.randint(1, 5))
            quantity = str(rng.choice([0.5, 1, 2, 45, 70, 90, 13]))
            fake.complete(source, member.pk, source_id, quantity)
            events.append((member.pk, source, source_id, at(day, rng.randint(8, 20), rng.randint(0, 59))))
        events += rng.sample(events, 60)  # replays
        rng.shuffle(events)  # out of order arrival
        for member_id, source, source_id, when in events:
            post_credit(member_id, source, source_id, when)


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [ScoreMode.MEMBERS, ScoreMode.CHILDREN])
def test_it_recomputes_exactly_the_incremental_numbers(personas: Personas, mode: str) -> None:
    ScoreScheme.objects.create(name="考核", mode=mode, monthly_target=Decimal("6"))
    _random_history(personas, seed=7)
    keys = ["2026-09", "2026-10", "2026-11", "2026-12", "2026-Q3", "2026-Q4", "2026", "all"]
    assert not OrganizationScore.objects.filter(period__in=keys[4:]).exists()  # events write months only
    for key in keys:  # the longer periods as an administrator opening the roots' statistics sees them
        for root in Organization.objects.filter(depth=1):
            assert credit_recompute.bring_up_to_date(root, parse(key)) == (key in keys[4:])
            assert not credit_recompute.bring_up_to_date(root, parse(key))  # now current: nothing to do
    incremental = _snapshot()
    assert len(incremental[0]) > 100
    assert len(incremental[2]) > 10
    call_command("recompute_scores", *[f"--period={k}" for k in keys])
    recomputed = _snapshot()
    assert recomputed[0] == incremental[0]
    assert recomputed[1] == incremental[1]
    assert recomputed[2] == incremental[2]
    # the numbers are what they should be: the district's points are the sum over its members
    district = OrganizationScore.objects.get(organization=personas.district, period="2026")
    member_sum = sum(MemberCredit.objects.filter(period="2026", member__organization__path__startswith=personas.district.path)
                     .values_list("points", flat=True), Decimal("0"))
    assert district.points == member_sum
    from school.models import Member

    assert district.members == Member.objects.filter(organization__path__startswith=personas.district.path).count()


@pytest.mark.django_db
def test_it_repairs_tampered_caps_totals_and_scores(personas: Personas) -> None:
    """The recompute writes only rows that differ; every kind of wrong stored number must still be put
    right: a cap undone, a cap applied where none binds, a changed total, a total that should not
    exist, a missing total, changed sums and scores, a missing organization row."""
    _random_history(personas, seed=11)
    idle = make_member(personas.a1)  # never studies: has no totals
    keys = ["2026-09", "2026-10", "2026-11", "2026-12", "2026-Q3", "2026-Q4", "2026", "all"]
    call_command("recompute_scores", *[f"--period={k}" for k in keys])
    good = _snapshot()
    cut = CreditEntry.objects.filter(points__lt=F("raw_points")).first()
    whole = CreditEntry.objects.filter(points=F("raw_points"), raw_points__gt=0, rule__code="video").first()
    assert cut is not None and whole is not None
    CreditEntry.objects.filter(pk=cut.pk).update(points=F("raw_points"))
    CreditEntry.objects.filter(pk=whole.pk).update(points=0)
    totals = list(MemberCredit.objects.filter(period="2026-11").order_by("pk")[:3])
    MemberCredit.objects.filter(pk=totals[0].pk).update(points=F("points") + 7)
    MemberCredit.objects.filter(pk=totals[1].pk).update(entries=F("entries") + 1)
    MemberCredit.objects.filter(pk=totals[2].pk).delete()
    MemberCredit.objects.create(member=idle, period="2026-Q3", points=Decimal("99"), entries=3)
    scores = list(OrganizationScore.objects.filter(period="2026-Q4", participants__gt=0).order_by("pk")[:5])
    OrganizationScore.objects.filter(pk=scores[0].pk).update(points=F("points") + 1, score=0)
    OrganizationScore.objects.filter(pk=scores[1].pk).update(members=F("members") + 5)
    OrganizationScore.objects.filter(pk=scores[2].pk).delete()
    # only a derived number wrong (the sums are right): a rate that should be empty, an average
    assert scores[3].pass_rate is None
    OrganizationScore.objects.filter(pk=scores[3].pk).update(pass_rate=0.5)
    OrganizationScore.objects.filter(pk=scores[4].pk).update(avg_points=99)
    assert _snapshot() != good
    call_command("recompute_scores", *[f"--period={k}" for k in keys])
    assert _snapshot() == good


@pytest.mark.django_db
@pytest.mark.parametrize("exact_flags", [8, 0], ids=["exact-test-per-version", "shares-of-cap"])
def test_it_caps_each_period_with_the_cap_of_its_own_rule_version(personas: Personas, exact_flags: int,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """October's version caps videos at 4 points a day, November's at 2; a recompute of the year
    re-applies each day's own cap (after the cuts were undone by hand) and sums the months — with
    either test of which member-months a cap can change."""
    monkeypatch.setattr(credit_recompute, "EXACT_FLAGS", exact_flags)
    rule = make_rule("video", "lesson", points="1.5", daily_cap="4")
    rules.save_rule_version(CreditRuleVersion(rule=rule, points=Decimal("1.5"), daily_cap=Decimal("2"),
                                              effective_from=dt.date(2026, 11, 1)), allow_backdate=True)
    with fake_sources() as fake:
        for lesson, day in [(1, 5), (2, 5), (3, 5), (4, 5)]:
            for month in (10, 11):
                source_id = lesson + 10 * month
                fake.complete("lesson", personas.member.pk, source_id)
                post_credit(personas.member.pk, "lesson", source_id, at(dt.date(2026, month, day), 9, lesson))
    totals = dict(MemberCredit.objects.filter(member=personas.member).values_list("period", "points"))
    assert (totals["2026-10"], totals["2026-11"], totals["2026"]) == (Decimal("4"), Decimal("2"), Decimal("6"))
    CreditEntry.objects.update(points=F("raw_points"))
    MemberCredit.objects.all().delete()
    call_command("recompute_scores", "--period=2026")
    points = list(CreditEntry.objects.order_by("earned_at", "id").values_list("month", "points"))
    assert points == [("2026-10", Decimal("1.5")), ("2026-10", Decimal("1.5")), ("2026-10", Decimal("1")),
                      ("2026-10", Decimal("0")), ("2026-11", Decimal("1.5")), ("2026-11", Decimal("0.5")),
                      ("2026-11", Decimal("0")), ("2026-11", Decimal("0"))]
    totals = dict(MemberCredit.objects.filter(member=personas.member).values_list("period", "points"))
    assert (totals["2026-10"], totals["2026-11"], totals["2026"]) == (Decimal("4"), Decimal("2"), Decimal("6"))


@pytest.mark.django_db
def test_it_counts_members_without_study_as_zero(personas: Personas) -> None:
    make_rule("course", "course", points="10")
    with fake_sources() as fake:
        fake.complete("course", personas.member.pk, 1)
        post_credit(personas.member.pk, "course", 1, at(dt.date(2026, 11, 2)))
    call_command("recompute_scores", "--period=2026-11")
    group_a = OrganizationScore.objects.get(organization=personas.branch_group_a, period="2026-11")
    assert (group_a.members, group_a.participants, group_a.avg_points, group_a.participation_rate) == (2, 1, 5.0, 0.5)
    # no metric providers are registered: credits (40) and participation (30) renormalize
    assert group_a.task_rate is None and group_a.pass_rate is None
    assert group_a.score == round(100 * (40 * 0.5 + 30 * 0.5) / 70, 2)


@pytest.mark.django_db
def test_it_sums_task_and_exam_metrics_of_active_members_over_subtrees(personas: Personas,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Tasks and exams come from the providers' rows of the period only; a member transferred out
    counts in no organization, and an organization whose members have no metric rows has no rates."""
    from school.models.members import MemberStatus

    gone = make_member(personas.a1, status=MemberStatus.TRANSFERRED)
    rows = {"2026-11": [(personas.member.pk, "tasks", 1, 2), (personas.member.pk, "exams", 1, 1),
                        (personas.member_a2.pk, "tasks", 2, 2), (personas.member_a2.pk, "exams", 0, 1),
                        (gone.pk, "tasks", 0, 5), (gone.pk, "exams", 0, 3)],
            "2026-10": [(personas.member.pk, "tasks", 0, 9)]}
    monkeypatch.setattr(credit_recompute, "collect", lambda _hook, period: rows.get(period.key, []))
    call_command("recompute_scores", "--period=2026-10", "--period=2026-11")
    scores = {(s.organization_id, s.period): s for s in OrganizationScore.objects.all()}
    a1, group_a = scores[personas.a1.pk, "2026-11"], scores[personas.branch_group_a.pk, "2026-11"]
    assert (a1.members, a1.task_done, a1.task_total, a1.exam_passed, a1.exam_total) == (1, 1, 2, 1, 1)
    assert (a1.task_rate, a1.pass_rate) == (0.5, 1.0)
    assert (group_a.members, group_a.task_done, group_a.task_total, group_a.exam_passed, group_a.exam_total) == (
        2, 3, 4, 1, 2)
    assert (group_a.task_rate, group_a.pass_rate) == (0.75, 0.5)
    assert scores[personas.district.pk, "2026-11"].task_total == 4  # the district adds nothing of its own
    october = scores[personas.a1.pk, "2026-10"]
    assert (october.task_done, october.task_total, october.exam_total, october.pass_rate) == (0, 9, 0, None)
    x1 = scores[personas.x1.pk, "2026-11"]
    assert (x1.task_total, x1.exam_total, x1.task_rate, x1.pass_rate) == (0, 0, None, None)


def test_it_rejects_unknown_periods() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("recompute_scores", "--period=2026-13")
