"""The lesson tracker's bar and its 已完成 text agree: full exactly when the lesson is completed, also when it
was completed a hair under the required time or the required time grew later; never full before."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from courses.models import StudyProgress
from tests.courses.builders import make_course, make_reading


def tracker(html: str) -> tuple[int, str]:
    box = html[html.index("data-study-tracker"):]
    value = int(re.search(r'data-progress-bar max="100" value="(\d+)"', box).group(1))
    text = re.search(r"data-progress-text>(.*?)</p>", box).group(1)
    return value, text


@pytest.mark.django_db
@pytest.mark.parametrize(("watched", "required", "completed", "bar", "done"), [
    (59.9999999, 60, True, 100, True),   # completed within the server's tolerance
    (60, 90, True, 100, True),           # the trainer made the lesson longer after it was completed
    (59.8, 60, False, 99, False),        # 99.7 %: not full while the text does not say 已完成
    (30, 60, False, 50, False),
])
def test_the_bar_is_full_exactly_when_the_text_says_completed(personas: Any, client_for: Any, watched: float,
                                                               required: int, completed: bool, bar: int,
                                                               done: bool) -> None:
    lesson = make_reading(make_course(), "第一课", seconds=60)
    StudyProgress.objects.create(member=personas.member, page=lesson, kind="reading", duration=60,
                                 required_seconds=required, watched_seconds=watched, intervals=[[0, watched]],
                                 completed_at=timezone.now() if completed else None)
    response = client_for(personas.member.user).get(lesson.url)
    assert response.status_code == 200
    value, text = tracker(response.content.decode())
    assert value == bar and ("已完成" in text) is done
