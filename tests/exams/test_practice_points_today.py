"""我的积分 shows today's daily-practice points at once, as a line 今日练习（待入账） computed from the practice
day the day-close award reads; once the day closes and the award is posted, the points are in the ledger and
the line is gone: counted once."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from exams.models import PracticeDay
from exams.tasks import post_practice_credits
from school.credits.models import CreditEntry
from school.credits.rules import ensure_default_rules
from school.credits.tasks import post_credit_task, refresh_member_metrics_task

PENDING = "今日练习（待入账）"


@pytest.fixture
def run_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(post_credit_task, "delay", lambda *args: post_credit_task.run(*args))
    monkeypatch.setattr(refresh_member_metrics_task, "delay", lambda *args: refresh_member_metrics_task.run(*args))


def points_shown(html: str) -> list[str]:
    return re.findall(r'<span class="ledger-points">\+([0-9.]+)</span>', html)


@pytest.mark.django_db
def test_todays_practice_points_show_at_once_and_count_once_after_the_day_closes(
        personas: Any, run_tasks: None, client_for: Any, django_capture_on_commit_callbacks: Any) -> None:
    ensure_default_rules(dt.date(2026, 1, 1))  # 每日答题: 0.5 per point, at most 5 a day
    client = client_for(personas.member.user)
    assert PENDING not in client.get("/me/credits/").content.decode()

    day = PracticeDay.objects.create(member=personas.member, date=timezone.localdate(), version_ids=[],
                                     points=4, answered=5, correct=4)
    html = client.get("/me/credits/").content.decode()
    assert PENDING in html and points_shown(html) == ["2"]
    assert "当天结束后计入积分" in html and not CreditEntry.objects.exists()

    PracticeDay.objects.filter(pk=day.pk).update(date=timezone.localdate() - dt.timedelta(days=1))  # the day closed
    html = client.get("/me/credits/").content.decode()
    assert "（待入账）" in html and points_shown(html) == ["2"]  # the beat has not run yet: still shown, once

    with django_capture_on_commit_callbacks(execute=True):
        assert post_practice_credits() == 1
    entry = CreditEntry.objects.get(member=personas.member, source_type="practice", source_id=day.pk)
    html = client.get("/me/credits/").content.decode()
    assert "待入账" not in html and points_shown(html) == ["2"] and entry.points == 2  # in the ledger, once
    with django_capture_on_commit_callbacks(execute=True):
        post_practice_credits()  # the beat again
    assert points_shown(client.get("/me/credits/").content.decode()) == ["2"]


@pytest.mark.django_db
def test_pending_points_follow_the_daily_cap_and_other_members_see_none(
        personas: Any, client_for: Any) -> None:
    ensure_default_rules(dt.date(2026, 1, 1))
    PracticeDay.objects.create(member=personas.member, date=timezone.localdate(), version_ids=[], points=20)
    assert points_shown(client_for(personas.member.user).get("/me/credits/").content.decode()) == ["5"]
    assert PENDING not in client_for(personas.member_a2.user).get("/me/credits/").content.decode()
