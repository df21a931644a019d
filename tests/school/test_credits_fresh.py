"""Statistics follow every event: after any sequence of awards, exam results, task completions,
transfers (effective today or back-dated), new and deleted members, status changes (today or
back-dated), score scheme and rule changes and deletions of content, the numbers the incremental path keeps equal those of the set-based recompute, for every
component (points, participation, study tasks, exam pass rate, practice) — a stateful property test."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from wagtail import hooks

from school.credits import recompute as credit_recompute
from school.credits import rules
from school.credits.models import (
    Basis,
    CreditRuleVersion,
    MemberCredit,
    MemberMetric,
    OrganizationScore,
    Repeat,
    ScoreMode,
    ScoreScheme,
)
from school.credits.periods import Period, month_key, parse, period_bounds
from school.credits.services import post_credit
from school.hooks import ORG_METRICS
from school.models import Member, Organization
from school.models.members import MemberStatus
from school.services.members import MembershipError, do_change_member_status, do_transfer_member
from tests.factories import ON_THE_ROLL_SINCE, Personas, make_member, make_org

from .builders import at, fake_sources, make_rule

# Shrinking a failure of this machine takes minutes: HYPOTHESIS_SHRINK=0 reports the failing run as found.
PHASES = [p for p in Phase if p != Phase.shrink or os.environ.get("HYPOTHESIS_SHRINK", "1") != "0"]
MONTHS = [dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)]


class FakeMetrics:
    """Content the metric providers would read: (member, metric, item) -> (day, done)."""

    def __init__(self) -> None:
        self.items: dict[tuple[int, str, int], tuple[dt.date, bool]] = {}

    def provider(self, period: Period, member_ids: list[int] | None = None) -> Iterator[tuple[int, str, int, int]]:
        bounds = period_bounds(period)
        counts: dict[tuple[int, str], list[int]] = {}
        for (member_id, metric, _item), (day, done) in self.items.items():
            if member_ids is not None and member_id not in member_ids:
                continue
            if bounds is not None and not bounds[0] <= day <= bounds[1]:
                continue
            row = counts.setdefault((member_id, metric), [0, 0])
            row[0] += 1 if done else 0
            row[1] += 1
        for (member_id, metric), (passed, total) in counts.items():
            yield member_id, metric, passed, total


def _day(back: bool, month: int, day: int) -> dt.date:
    """Today, or a day of MONTHS (not after today)."""
    today = timezone.localdate()
    return min(MONTHS[month].replace(day=day), today) if back else today


def _state(keys: list[str]) -> tuple[list[Any], list[Any], dict[Any, Any]]:
    totals = sorted(MemberCredit.objects.filter(period__in=keys).values_list("member_id", "period", "points", "entries"))
    metrics = sorted(MemberMetric.objects.filter(period__in=keys).values_list("member_id", "period", "metric",
                                                                               "done", "total"))
    scores = {(r[0], r[1]): r[2:] for r in OrganizationScore.objects.filter(period__in=keys).values_list(
        "organization_id", "period", "members", "participants", "points", "task_done", "task_total", "exam_passed",
        "exam_total", "avg_points", "participation_rate", "task_rate", "pass_rate", "score")}
    return totals, metrics, scores


def _keys() -> list[str]:
    keys = set(MemberCredit.objects.values_list("period", flat=True))
    keys.update(MemberMetric.objects.values_list("period", flat=True))
    keys.update(OrganizationScore.objects.values_list("period", flat=True))
    return sorted(keys)


def assert_incremental_equals_recompute() -> None:
    keys = _keys()
    if not keys:
        return
    with transaction.atomic():
        credit_recompute.recompute(keys)
        recomputed = _state(keys)
        transaction.set_rollback(True)
    # What an administrator opening each organization's statistics sees, deepest first (so that no
    # organization above has brought its rows up to date for it): each one's own longer-period rows, as
    # its page brings them up to date (or finds them current), are the recompute's.
    for key in [k for k in keys if parse(k).kind != "month"]:
        for org in Organization.objects.order_by("-depth", "path"):
            credit_recompute.bring_up_to_date(org, parse(key))
            own = _state([key])[2].get((org.pk, key))
            if own is not None:
                assert recomputed[2][(org.pk, key)] == own, (org.name, key)
    incremental = _state(keys)
    assert incremental[0] == recomputed[0]
    assert incremental[1] == recomputed[1]
    for key, row in incremental[2].items():  # every row the incremental path keeps is right
        assert recomputed[2][key] == row, key
    for key, row in recomputed[2].items():  # rows it never needed have nothing but members (and a score 0)
        if key not in incremental[2]:
            assert row[1:7] == (0, Decimal("0"), 0, 0, 0, 0) and row[-1] == 0, key


class Statistics(RuleBasedStateMachine):
    personas: Personas
    orgs: list[Organization]
    fake: Any
    metrics: FakeMetrics
    member_ids: list[int]

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.members = list(Member.objects.filter(pk__in=self.member_ids).order_by("pk"))
        self.next_source = 1

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _member(self, index: int) -> Member | None:
        if not self.members:
            return None
        member = self.members[index % len(self.members)]
        member.refresh_from_db()
        return member

    @rule(who=st.integers(0, 50), source=st.sampled_from(["lesson", "course", "exam", "practice", "document"]),
          source_id=st.integers(1, 6), month=st.integers(0, 2), day=st.integers(1, 3), hour=st.integers(8, 20),
          quantity=st.sampled_from(["0.5", "2", "45", "70", "90", "13"]))
    def award(self, who: int, source: str, source_id: int, month: int, day: int, hour: int, quantity: str) -> None:
        member = self._member(who)
        if member is None:
            return
        self.fake.complete(source, member.pk, source_id, quantity)
        post_credit(member.pk, source, source_id, at(MONTHS[month].replace(day=day), hour))

    @rule(who=st.integers(0, 50), metric=st.sampled_from(["tasks", "exams"]), item=st.integers(1, 4),
          month=st.integers(0, 2), done=st.booleans())
    def result(self, who: int, metric: str, item: int, month: int, done: bool) -> None:
        """An exam graded (passed or not) or a study task completed or assigned."""
        member = self._member(who)
        if member is None:
            return
        day = MONTHS[month].replace(day=5)
        self.metrics.items[(member.pk, metric, item)] = (day, done)
        credit_recompute.refresh_member_metrics(member.pk, credit_recompute.member_metric_periods(
            member.pk, month_key(day)))

    @rule(metric=st.sampled_from(["tasks", "exams"]), item=st.integers(1, 4))
    def delete_content(self, metric: str, item: int) -> None:
        """An exam or task deleted: its results disappear for every member who had one."""
        gone = [key for key in self.metrics.items if key[1:] == (metric, item)]
        for key in gone:
            day, _done = self.metrics.items.pop(key)
            credit_recompute.refresh_member_metrics(key[0], credit_recompute.member_metric_periods(
                key[0], month_key(day)))

    @rule(who=st.integers(0, 50), to=st.integers(0, 50), back=st.booleans(), month=st.integers(0, 2),
          day=st.integers(1, 28))
    def transfer(self, who: int, to: int, back: bool, month: int, day: int) -> None:
        """A transfer effective today, or back-dated to a day of MONTHS: the periods counted before that day
        keep the member in the old organization. A refused one (the day before the member's present spell
        began, the same organization, a member transferred out) changes nothing."""
        member = self._member(who)
        if member is not None:
            with contextlib.suppress(MembershipError):
                do_transfer_member(member, self.orgs[to % len(self.orgs)], effective_on=_day(back, month, day))

    @rule(who=st.integers(0, 50), back=st.booleans(), month=st.integers(0, 2), day=st.integers(1, 28))
    def toggle_status(self, who: int, back: bool, month: int, day: int) -> None:
        """转出, or back to 在册, today or on a back-dated day (refused: before the spell it ends or follows)."""
        member = self._member(who)
        if member is not None:
            active = member.status == MemberStatus.ACTIVE
            with contextlib.suppress(MembershipError):
                do_change_member_status(member, MemberStatus.TRANSFERRED if active else MemberStatus.ACTIVE,
                                        effective_on=_day(back, month, day))

    @rule(to=st.integers(0, 50), since=st.sampled_from(["2020", "today", "2026-11-10"]))
    def join(self, to: int, since: str) -> None:
        """A new member, on the roll since long ago, since today or since a day of MONTHS."""
        registered_on = {"2020": ON_THE_ROLL_SINCE, "today": timezone.localdate()}.get(since) or dt.date(2026, 11, 10)
        self.members.append(make_member(self.orgs[to % len(self.orgs)], registered_on=registered_on))

    @rule(who=st.integers(0, 50))
    def leave(self, who: int) -> None:
        member = self._member(who)
        if member is not None and len(self.members) > 2:
            self.members.remove(member)
            for key in [key for key in self.metrics.items if key[0] == member.pk]:
                del self.metrics.items[key]  # their attempts and task results go with them
            member.delete()

    @rule(credits=st.integers(0, 60), participation=st.integers(0, 40), tasks=st.integers(0, 30),
          exams=st.integers(1, 30), monthly=st.sampled_from(["4", "10"]))
    def change_scheme(self, credits: int, participation: int, tasks: int, exams: int, monthly: str) -> None:
        with TestCase.captureOnCommitCallbacks(execute=True):
            scheme = ScoreScheme.objects.filter(active=True).order_by("-pk").first()
            assert scheme is not None
            scheme.weight_credits, scheme.weight_participation = credits, participation
            scheme.weight_tasks, scheme.weight_exams = tasks, exams
            scheme.monthly_target = Decimal(monthly)
            scheme.save()

    @rule(points=st.sampled_from(["1", "3"]), cap=st.sampled_from([None, "2"]))
    def change_rule(self, points: str, cap: str | None) -> None:
        """A new version of the course rule from tomorrow (events before it keep their version)."""
        rule = rules.CreditRule.objects.get(code="course")
        start = max([*rule.versions.values_list("effective_from", flat=True), timezone.localdate()])
        rules.save_rule_version(CreditRuleVersion(
            rule=rule, points=Decimal(points), daily_cap=Decimal(cap) if cap else None,
            effective_from=start + dt.timedelta(days=1)), allow_backdate=True)

    @invariant()
    def member_totals_add_up(self) -> None:
        for row in OrganizationScore.objects.filter(organization__depth=1):
            assert row.members >= 0 and row.participants >= 0 and row.points >= 0

    @rule()
    def check(self) -> None:
        assert_incremental_equals_recompute()


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("mode", [ScoreMode.MEMBERS, ScoreMode.CHILDREN])
def test_it_keeps_every_component_equal_to_the_recompute_after_any_events(personas: Personas, mode: str) -> None:
    ScoreScheme.objects.create(name="考核", mode=mode, monthly_target=Decimal("6"))
    a3 = make_org(personas.branch_group_a, "第三党支部", "TA3")
    group = make_org(a3, "第一党小组", "TA3G1", "group")
    orgs = [personas.a1, personas.a2, a3, group, personas.x1, personas.branch_group_a]
    members = [personas.member, personas.member_a2, personas.member_x, make_member(group), make_member(a3)]
    make_rule("video", "lesson", basis=Basis.PER_UNIT, factor="1.5", daily_cap="4")
    make_rule("document", "document", basis=Basis.PER_UNIT, factor="0.1")
    make_rule("course", "course", points="5")
    make_rule("exam", "exam", basis=Basis.SCORE_BANDS, bands=[[60, 1], [85, 2.5]])
    make_rule("practice", "practice", basis=Basis.PER_UNIT, factor="0.1", repeat=Repeat.DAILY, daily_cap="1")
    fake_metrics = FakeMetrics()
    with fake_sources() as fake, hooks.register_temporarily(ORG_METRICS, fake_metrics.provider):
        Statistics.personas, Statistics.orgs, Statistics.fake, Statistics.metrics = personas, orgs, fake, fake_metrics
        Statistics.member_ids = [m.pk for m in members]

        class Checked(Statistics):
            def teardown(self) -> None:
                try:
                    assert_incremental_equals_recompute()
                finally:
                    fake_metrics.items.clear()
                    super().teardown()

        run_state_machine_as_test(Checked, settings=settings(
            max_examples=20, stateful_step_count=20, deadline=None, phases=PHASES,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
