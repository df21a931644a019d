"""Journey 1, the trainer (desktop Chromium): logs into the Wagtail admin, uploads a video, creates a course
and a video lesson under the catalog (choosing the video in the chooser modal), submits both for
moderation; an editor approves and publishes them in the workflow UI."""

from __future__ import annotations

from typing import Any

import pytest

from courses.models import CoursePage, VideoLessonPage
from media.models import Video
from tests.e2e.journey_steps import COURSE, EXAM, LESSON, VIDEO, admin_login, clip_path, shot
from tests.e2e.story import Story

pytestmark = pytest.mark.journey("trainer")


def test_it_takes_a_lesson_from_upload_to_published(journey: Story, browser: Any) -> None:
    page = admin_login(browser, journey, "teacher")
    shot(page, 1, "01-login")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    shot(page, 1, "02-dashboard")
    page.get_by_role("link", name="视频").first.click()
    page.wait_for_url("**/admin/snippets/media/video/")
    shot(page, 1, "03-videos")
    page.click("a.w-header-button[href$='/video/upload/']")  # 上传视频: the resumable upload page
    page.fill("#dps-upload-title", VIDEO)
    page.set_input_files("#dps-upload-file", str(clip_path(journey)))
    shot(page, 1, "04-upload")
    page.click("[data-upload-start]")
    page.locator("[data-upload-status] [data-upload-video]").wait_for(timeout=60_000)
    assert "已加入转码队列" in page.inner_text("[data-upload-status]")
    page.get_by_role("link", name="视频").first.click()
    page.wait_for_url("**/admin/snippets/media/video/")
    # Transcoded by media.tasks.transcode_video (eager: in the upload's request, after commit); with a worker
    # the listing reloads itself until the state is ready.
    page.locator("tr", has_text=VIDEO).locator("[data-video-status=ready]").wait_for()
    video_id = Video.objects.get(title=VIDEO).pk
    shot(page, 1, "05-video-ready")
    page.get_by_role("button", name="页面").first.click()  # the page explorer
    page.get_by_role("link", name="课程", exact=True).wait_for()
    shot(page, 1, "06-pages")
    page.get_by_role("link", name="课程", exact=True).click()
    page.wait_for_url("**/admin/pages/*/")
    shot(page, 1, "07-catalog")
    page.click("a[href$='/add_subpage/']")
    page.wait_for_url("**/add/courses/coursepage/**")
    page.fill("#id_title", COURSE)
    page.select_option("#id_category", "history")
    page.fill("#id_summary", "学习伟大建党精神，传承红色基因。")
    page.fill("#id_credit_hours", "1.0")
    page.select_option("#id_trainer", label=journey.cast.trainer.first_name)
    page.select_option("#id_final_exam_id", label=f"{EXAM}（已发布）")
    page.locator("#id_final_exam_id").scroll_into_view_if_needed()
    shot(page, 1, "08-course-form")
    page.click("footer [data-w-dropdown-target=toggle]")
    assert page.locator("button[name=action-submit]").inner_text().strip() == "提交给审核员审批"
    page.click("button[name=action-submit]")
    page.wait_for_url("**/admin/pages/*/")
    shot(page, 1, "09-course-submitted")
    row = page.locator("tr", has_text=COURSE)
    row.locator("[data-w-dropdown-target=toggle]").click()
    row.locator("a[href$='/add_subpage/']").click()
    page.wait_for_url("**/add_subpage/")
    shot(page, 1, "10-lesson-type")
    page.click("a[href*='/add/courses/videolessonpage/']")
    page.fill("#id_title", LESSON)
    page.fill("#id_summary", "伟大建党精神的内涵。")
    page.click("#id_video-chooser .unchosen [data-chooser-action-choose]")
    modal = page.locator(".modal-dialog")
    modal.locator("a[data-chooser-modal-choice]", has_text=VIDEO).wait_for()
    shot(page, 1, "11-video-chooser")
    modal.locator("a[data-chooser-modal-choice]", has_text=VIDEO).click()
    page.locator("#id_video-title", has_text=VIDEO).wait_for()
    assert page.input_value("#id_video") == str(video_id)
    shot(page, 1, "12-lesson-form")
    page.click("footer [data-w-dropdown-target=toggle]")
    page.click("button[name=action-submit]")
    page.wait_for_url("**/admin/pages/*/")
    shot(page, 1, "13-lesson-submitted")
    page.context.close()

    editor = admin_login(browser, journey, "root")
    editor.click("button[type=submit]")
    editor.wait_for_url("**/admin/")
    review = editor.locator("#awaiting-review-content")
    review.locator("tr", has_text=COURSE).wait_for()
    review.locator("tr", has_text=LESSON).wait_for()
    shot(editor, 1, "14-awaiting-review")
    for title in (COURSE, LESSON):  # the course first: a lesson under an unpublished course stays hidden
        row = review.locator("tr", has_text=title)
        row.locator("[data-w-dropdown-target=toggle]").click()
        row.locator("button[data-workflow-action-url*='/approve/']:not([data-launch-modal])").click()
        editor.locator("#awaiting-review-content tr", has_text=title).wait_for(state="detached")
    shot(editor, 1, "15-approved")
    course = CoursePage.objects.get(title=COURSE)
    lesson = VideoLessonPage.objects.get(title=LESSON)
    assert course.live and lesson.live and lesson.get_parent().pk == course.pk
    assert lesson.video_id == video_id and course.final_exam_id == journey.ids["exam"]
    assert course.trainer_id == journey.cast.trainer.pk
    editor.goto(f"{journey.url}{lesson.url}")
    editor.locator("video[data-video-id]").wait_for()
    shot(editor, 1, "16-lesson-live")
    journey.ids.update(video=video_id, course=course.pk, lesson=lesson.pk)
