"""Builders for the credit tests (not a test module): rules, synthetic verified sources, events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from school.credits import rules
from school.credits.models import Basis, CreditRule, CreditRuleVersion, Repeat

START = dt.date(2026, 1, 1)


def make_rule(code: str, source_type: str, *, basis: str = Basis.FIXED, repeat: str = Repeat.ONCE,
              points: str = "1", factor: str = "0", bands: list[list[float]] | None = None,
              daily_cap: str | None = None, effective_from: dt.date = START) -> CreditRule:
    rule = CreditRule.objects.create(code=code, name=code, source_type=source_type, basis=basis, repeat=repeat)
    rules.save_rule_version(CreditRuleVersion(
        rule=rule, points=Decimal(points), factor=Decimal(factor), bands=bands or [],
        daily_cap=Decimal(daily_cap) if daily_cap is not None else None, effective_from=effective_from),
        allow_backdate=True)
    return rule


class FakeSources:
    """Synthetic sources: a set of (member_id, source_id) pairs that 'really happened'."""

    def __init__(self) -> None:
        self.done: set[tuple[str, int, int]] = set()
        self.quantities: dict[tuple[str, int, int], Decimal] = {}

    def complete(self, source_type: str, member_id: int, source_id: int, quantity: str | None = None) -> None:
        self.done.add((source_type, member_id, source_id))
        if quantity is not None:
            self.quantities[(source_type, member_id, source_id)] = Decimal(quantity)

    def source(self, source_type: str) -> rules.Source:
        return rules.Source(
            verify=lambda m, s: (source_type, m, s) in self.done,
            quantity=lambda m, s: self.quantities.get((source_type, m, s)))


@contextmanager
def fake_sources() -> Iterator[FakeSources]:
    fake = FakeSources()
    with rules.override_verifiers(**{t: fake.source(t) for t in
                                        ("lesson", "course", "exam", "practice", "document")}):
        yield fake


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    from django.utils import timezone

    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_current_timezone())
