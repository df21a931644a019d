"""A member watches a (generated) video lesson in Chromium: progress is saved, the lesson resumes where
they paused after a reload, and watching to the end completes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from courses.models import StudyProgress, VideoLessonPage
from media.models import VideoState
from media.services import process_video
from media.services.registration import register_video_from_path
from tests.courses.builders import make_course
from tests.e2e.conftest import login, shot
from tests.factories import PASSWORD
from tests.media.builders import clip

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lesson(personas: Any, tmp_path: Path, wagtail_site: Any) -> VideoLessonPage:
    source = clip(tmp_path / "lesson.mp4", size="320x180", seconds=6)
    video = register_video_from_path(source, title="党课视频", queue=False)
    assert process_video(video.pk) == "ready"
    video.refresh_from_db()
    assert video.state == VideoState.READY and video.duration
    course = make_course("党史学习教育")
    lesson = VideoLessonPage(title="第一课 伟大建党精神", video=video, required_share=90)
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    return lesson


def _tracker(page: Any, attribute: str, value: str) -> None:
    page.wait_for_function(
        "([a, v]) => document.querySelector('[data-study-tracker]').getAttribute(a) === v", arg=[attribute, value])


def test_it_records_watching_resumes_after_reload_and_completes(personas: Any, live_server: Any, phone_page: Any,
                                                                lesson: VideoLessonPage) -> None:
    page = phone_page
    login(page, live_server.url, "xiaoming", PASSWORD)
    page.goto(f"{live_server.url}{lesson.url}")
    _tracker(page, "data-session", "live")
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime >= 2.5", timeout=20_000)
    page.evaluate("() => document.querySelector('video').pause()")
    page.wait_for_function("() => Number(document.querySelector('[data-study-tracker]').getAttribute('data-share')) > 30")
    shot(page, "courses-video-01-paused")
    progress = StudyProgress.objects.get(member=personas.member, page=lesson)
    assert progress.position >= 2.5 and progress.completed_at is None
    paused_at = progress.position

    page.reload()
    _tracker(page, "data-session", "live")
    page.wait_for_function(f"() => Math.abs(document.querySelector('video').currentTime - {paused_at}) < 1.0")
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    _tracker(page, "data-completed", "true")
    shot(page, "courses-video-02-completed")
    progress.refresh_from_db()
    assert progress.completed_at is not None
    assert progress.watched_seconds >= 0.9 * float(lesson.video.duration or 0)
    assert page.locator("[data-progress-text]").inner_text() == "已完成"
