"""Demo study history: ledger rows over the last four months from synthetic sources (ids far above
real ones), then the set-based recompute, so charts and rankings have content. Real lesson/exam
events of the other apps' demo content add to it through the normal tasks."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import recompute, rules
from .models import CreditEntry, CreditRule, Repeat
from .periods import month_key, periods_of_month, recent_months
from .rules import ensure_default_rules

SYNTHETIC_BASE = 9_000_000_000  # synthetic source ids never collide with real rows
QUANTITIES: dict[str, list[str]] = {"lesson": ["0.5", "1", "1.5", "2"], "course": ["1"],
                                    "exam": ["55", "68", "75", "86", "93", "100"],
                                    "practice": ["4", "6", "8", "10"], "document": ["5", "12", "20", "35"]}


def seed_demo_credits(demo: Any, seed: int = 2026) -> list[str]:
    rng = random.Random(seed)
    today = timezone.localdate()
    months = recent_months(4)
    start = dt.date(int(months[0][:4]), int(months[0][5:]), 1)
    all_rules = ensure_default_rules(dt.date(start.year, 1, 1))
    entries: list[CreditEntry] = []
    serial = SYNTHETIC_BASE
    for member in demo.members:
        diligence = rng.random()
        if diligence < 0.12:  # about one in eight never studies: they are on 未学习名单
            continue
        for _event in range(int(4 + diligence * 40)):
            rule: CreditRule = rng.choice(all_rules)
            day = start + dt.timedelta(days=rng.randrange((today - start).days + 1))
            version = rule.version_on(day)
            if version is None:
                continue
            serial += 1
            earned = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(7, 22), rng.randint(0, 59))))
            quantity = Decimal(rng.choice(QUANTITIES[rule.source_type]))
            raw = rules.raw_points(rule, version, quantity)
            entries.append(CreditEntry(
                member=member, rule=rule, rule_version=version, source_type=rule.source_type, source_id=serial,
                period_key=day.isoformat() if rule.repeat == Repeat.DAILY else "", quantity=quantity,
                raw_points=raw, points=raw, earned_at=earned, day=day, month=month_key(day)))
    with transaction.atomic():
        CreditEntry.objects.bulk_create(entries, batch_size=2000)
    keys: list[str] = []
    for month in months:
        keys.extend(k for k in periods_of_month(month) if k not in keys)
    recompute.recompute(keys)  # applies the daily caps and builds every total and score
    return [f"学习积分 {len(entries)} 条（{months[0]} 至 {months[-1]}），已重算 {len(keys)} 个统计期间"]
