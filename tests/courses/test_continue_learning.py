"""继续学习 on the home page and the course page; a completed lesson offers 下一课 / 返回课程 with its 学时."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from courses.models import StudyProgress
from tests.courses.builders import make_reading, make_video_lesson

pytestmark = pytest.mark.django_db


def test_it_offers_the_last_lesson_and_position_on_the_home_page(personas: Any, client_for: Any, course: Any) -> None:
    client = client_for(personas.member.user)
    assert "继续学习" not in client.get("/").content.decode()
    make_reading(course, "第一课 总纲")
    video = make_video_lesson(course, "第二课 视频")
    StudyProgress.objects.create(member=personas.member, page=video, kind="video", duration=100, required_seconds=90,
                                 watched_seconds=45, position=75)
    home = client.get("/").content.decode()
    card = home[home.index('data-panel="continue"'):]
    assert "第二课 视频" in card and "已学 50% · 上次学到 1:15" in card and f'href="{video.url}"' in card
    assert "第二课 视频" not in client_for(personas.member_a2.user).get("/").content.decode()


def test_it_moves_on_to_the_next_lesson_once_the_last_one_is_complete(personas: Any, client_for: Any,
                                                                       course: Any) -> None:
    first = make_reading(course, "第一课 总纲")
    second = make_video_lesson(course, "第二课 视频")
    StudyProgress.objects.create(member=personas.member, page=first, kind="reading", duration=60,
                                 required_seconds=60, watched_seconds=60, completed_at=timezone.now())
    client = client_for(personas.member.user)
    home = client.get("/").content.decode()
    assert 'id="continue-home">' in home and f'href="{second.url}" id="continue-home"' in home
    lesson = client.get(first.url).content.decode()
    done = lesson[lesson.index("data-lesson-done"):lesson.index("</section>", lesson.index("data-lesson-done"))]
    assert "hidden" not in done.split(">")[0] and "本课已完成" in done and "本课计 1 学时" in done
    assert f'href="{second.url}" id="next-lesson"' in done and f'href="{course.url}" id="back-to-course"' in done
    pending = client.get(second.url).content.decode()
    assert "data-lesson-done hidden" in pending  # shown by the tracker when the lesson completes


def test_it_says_a_course_is_complete(personas: Any, client_for: Any, course: Any) -> None:
    first = make_reading(course, "第一课 总纲")
    StudyProgress.objects.create(member=personas.member, page=first, kind="reading", duration=60,
                                 required_seconds=60, watched_seconds=60, completed_at=timezone.now())
    html = client_for(personas.member.user).get(course.url).content.decode()
    assert "你已完成本课程。" in html and "data-continue" not in html
