"""A starting rule set and score scheme (created by the demo; editable in the admin afterwards)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from . import rules
from .models import Basis, CreditRule, CreditRuleVersion, Repeat, ScoreMode, ScoreScheme

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
            rules.save_rule_version(CreditRuleVersion(
                rule=rule, points=Decimal(points), factor=Decimal(factor), bands=bands,
                daily_cap=Decimal(cap) if cap else None, effective_from=effective_from, note="初始规则"),
                allow_backdate=True)
        made.append(rule)
    if not ScoreScheme.objects.exists():
        ScoreScheme.objects.create(name="年度学习考核方案", mode=ScoreMode.MEMBERS, monthly_target=Decimal("20"))
    return made
