"""Study tasks show each assigned course with its own progress, and study time has one unit name, 学时,
wherever a member or an administrator reads it (credits stay 积分)."""

from __future__ import annotations

import datetime as dt
import pathlib
import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from courses.models import StudyProgress
from courses.services.study_tasks import create_task
from tests.courses.builders import make_course, make_reading


def complete(member: Any, page: Any) -> None:
    StudyProgress.objects.create(member=member, page=page, kind="reading", duration=60, required_seconds=60,
                                 watched_seconds=60, intervals=[[0, 60]], completed_at=timezone.now())


@pytest.mark.django_db
def test_a_task_shows_each_course_with_its_own_progress_in_study_hours(personas: Any, client_for: Any) -> None:
    party = make_course("党章学习", credit_hours=Decimal("2"))
    history = make_course("党史学习", credit_hours=Decimal("3"))
    first = make_reading(party, "第一课")
    make_reading(party, "第二课")
    make_reading(history, "第一课 开天辟地")
    today = timezone.localdate()
    task = create_task(title="冬训学习任务", organization=personas.branch_group_a, starts_on=today,
                       ends_on=today + dt.timedelta(days=7), pages=[party, history], created_by=personas.admin_a)
    complete(personas.member, first)

    html = client_for(personas.member.user).get("/tasks/").content.decode()
    card = html[html.index(f'data-task="{task.pk}"'):]
    party_row = card[card.index(f'data-page="{party.pk}"'):card.index(f'data-page="{history.pk}"')]
    history_row = card[card.index(f'data-page="{history.pk}"'):]
    assert "1.00 / 2.00 学时 · 50%" in party_row and 'value="50"' in party_row
    assert "0.00 / 3.00 学时 · 0%" in history_row and 'value="0"' in history_row
    assert "已获 1.00 / 5.00 学时" in card  # the task as a whole, in the same unit
    assert "学分" not in html


def test_study_time_is_called_xueshi_and_never_xuefen_in_any_catalog_or_template() -> None:
    base = pathlib.Path(settings.BASE_DIR)
    catalogs = [p for p in base.glob("*/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts]
    assert len(catalogs) >= 4
    assert [str(p.relative_to(base)) for p in catalogs if "学分" in p.read_text(encoding="utf-8")] == []
    pairs = [m for p in catalogs for m in re.findall(r'^msgid "(.*)"\nmsgstr "(.*)"$', p.read_text(encoding="utf-8"),
                                                     re.MULTILINE)]
    hours = [zh for en, zh in pairs if re.search(r"credit hours?\b|required credits", en)]
    assert len(hours) >= 4 and all("学时" in zh for zh in hours), hours
    templates = list(base.glob("*/templates/**/*.html")) + list(base.glob("templates/**/*.html"))
    assert not [str(p) for p in templates if "学分" in p.read_text(encoding="utf-8")]
