"""What the journeys share (not a test module): the cast and its data, the end states of the trainer
and member journeys prepared through services (for a journey run without its predecessor), and the
browser steps more than one journey takes."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.utils import timezone

from tests.e2e.conftest import ARTIFACTS, choose_organization
from tests.e2e.story import Story
from tests.factories import PASSWORD, build_personas, make_member

COURSE = "党史学习教育专题"
LESSON = "第一课 伟大建党精神"
VIDEO = "伟大建党精神（微课）"
EXAM = "党史学习教育结业考试"
TASK = "十二月党史专题学习"
CLIP_SECONDS = 4
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "reduced_motion": "reduce"}  # charts drawn at once


def build_cast(story: Story) -> None:
    """The organization tree and people of tests/factories.py, plus what was there before the story:
    the credit rules, an earlier course that 李四 (branch A1) and 小红 (branch A2) completed, the
    trainer's final exam for the new course, and one scheduled score recompute."""
    from courses.models import StudyProgress
    from courses.signals import lesson_completed
    from school.credits.rules import ensure_default_rules
    from school.credits.tasks import recompute_scores_task
    from tests.courses.builders import make_course, make_reading
    from tests.exams.builders import fill_bank, make_bank, make_exam

    cast = build_personas()
    story.personas = cast
    lisi = make_member(cast.a1, "lisi", "李四")
    story.ids["lisi"] = lisi.pk
    today = timezone.localdate()
    ensure_default_rules(today.replace(day=1))
    earlier = make_course("入党誓词与党员义务", credit_hours=1, trainer=cast.trainer)
    reading = make_reading(earlier, "入党誓词", seconds=60)
    for member in (lisi, cast.member_a2):
        StudyProgress.objects.create(member=member, page=reading, kind="reading", duration=60, required_seconds=60,
                                     watched_seconds=60, intervals=[[0, 60]], completed_at=timezone.now())
        lesson_completed.send(sender=None, member_id=member.pk, lesson_id=reading.pk, completed_at=timezone.now())
    bank = make_bank(cast.trainer, "党史题库")
    fill_bank(bank, "single", 3)
    fill_bank(bank, "judge", 2, start=10)
    exam = make_exam(cast.trainer, bank, title=EXAM, targets=[cast.branch_group_a], certificate_on_pass=True,
                     pass_mark=Decimal(60), sections=[
                         {"qtype": "single", "count": 3, "points": Decimal(20), "title": "单选题"},
                         {"qtype": "judge", "count": 2, "points": Decimal(20), "title": "判断题"}])
    story.ids["exam"] = exam.pk
    recompute_scores_task.delay()  # the beat's recompute has run before the story starts


def clip_path(story: Story) -> Any:
    from tests.media.builders import clip

    path = story.work / "jianda-jingshen.mp4"
    if not path.exists():
        clip(path, size="320x180", seconds=CLIP_SECONDS)
    return path


def prepare_after_trainer(story: Story) -> None:
    """The trainer journey's end state: the video transcoded, the course and its video lesson published."""
    from courses.models import CoursePage, VideoLessonPage
    from courses.services import ensure_site_pages
    from media.models import Video, VideoState
    from media.services.registration import register_video_from_path

    cast = story.cast
    video = register_video_from_path(clip_path(story), title=VIDEO, uploaded_by=cast.trainer)  # transcoded (eager)
    video = Video.objects.get(pk=video.pk)
    assert video.state == VideoState.READY, video.failure_reason
    course = CoursePage(title=COURSE, summary="学习伟大建党精神。", trainer=cast.trainer, credit_hours=Decimal("1.0"),
                        final_exam_id=story.ids["exam"])
    ensure_site_pages().catalog.add_child(instance=course)
    course.save_revision(user=cast.trainer).publish(user=cast.superuser)
    lesson = VideoLessonPage(title=LESSON, video=video, required_share=90)
    course.add_child(instance=lesson)
    lesson.save_revision(user=cast.trainer).publish(user=cast.superuser)
    story.ids.update(video=video.pk, course=course.pk, lesson=lesson.pk)
    story.prepared.append("trainer")


def prepare_task(story: Story) -> None:
    from courses.models import CoursePage
    from courses.services.study_tasks import create_task

    cast = story.cast
    today = timezone.localdate()
    task = create_task(title=TASK, organization=cast.branch_group_a, starts_on=today,
                       ends_on=today + dt.timedelta(days=14), pages=[CoursePage.objects.get(pk=story.ids["course"])],
                       created_by=cast.admin_a)
    story.ids["task"] = task.pk


def prepare_after_member(story: Story) -> None:
    """The member journey's end state: 小明 completed the lesson and passed the final exam."""
    from courses.models import StudyProgress, VideoLessonPage
    from courses.signals import lesson_completed
    from exams.models import Exam, QuestionVersion
    from exams.services import do_save_answer, do_start_attempt, do_submit_attempt
    from exams.services.grading import to_displayed

    cast = story.cast
    lesson = VideoLessonPage.objects.get(pk=story.ids["lesson"])
    kind, duration, required = lesson.progress_spec()
    StudyProgress.objects.create(member=cast.member, page=lesson, kind=kind, duration=duration,
                                 required_seconds=required, watched_seconds=duration, intervals=[[0, duration]],
                                 position=duration, completed_at=timezone.now())
    lesson_completed.send(sender=None, member_id=cast.member.pk, lesson_id=lesson.pk, completed_at=timezone.now())
    attempt, _created = do_start_attempt(cast.member, Exam.objects.get(pk=story.ids["exam"]))
    for item in attempt.paper:
        version = QuestionVersion.objects.get(pk=item["v"])
        do_save_answer(attempt, version.pk, to_displayed(version.answer, item["p"])[0])
    attempt, _graded = do_submit_attempt(attempt.pk)
    assert attempt.passed
    story.prepared.append("member")


# --- browser steps -------------------------------------------------------------------------------------------

def shot(page: Any, journey: int, step: str) -> None:
    """test-artifacts/journey-<n>-<step>.png"""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"journey-{journey}-{step}.png"), full_page=True)


def admin_login(browser: Any, story: Story, username: str) -> Any:
    """A desktop browser window logged into the Wagtail admin through its login form."""
    context = browser.new_context(locale="zh-CN", **DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{story.url}/admin/")
    page.wait_for_url("**/admin/login/**")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    return page


def table_rows(page: Any, selector: str) -> list[list[str]]:
    """The text of every body cell of a table on the screen, row by row."""
    rows: list[list[str]] = page.eval_on_selector(
        selector, "t => [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.innerText.trim()))")
    return rows


def assign_task_and_note_baseline(browser: Any, story: Story) -> None:
    """The organization administrator assigns the new course to general branch A in 学习任务 and looks at
    the completion and the statistics before anyone has studied it (screenshots journey-2-01…03)."""
    page = admin_login(browser, story, "admin_a")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    page.get_by_role("link", name="学习任务").first.click()
    page.wait_for_url("**/admin/courses/tasks/")
    page.click("a[href$='/admin/courses/tasks/add/']")
    today = timezone.localdate()
    page.fill("#id_title", TASK)
    page.fill("#id_description", "观看微课并通过结业考试。")
    choose_organization(page, "id_organization", story.cast.branch_group_a.name)
    page.fill("#id_starts_on", today.isoformat())
    page.fill("#id_ends_on", (today + dt.timedelta(days=14)).isoformat())
    page.select_option("#id_pages", label=COURSE)
    shot(page, 2, "01-admin-assigns-task")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/admin/courses/tasks/\d+/$"))  # not ".../tasks/*/": the form's own /add/ matches it
    story.ids["task"] = int(page.url.rstrip("/").rsplit("/", 1)[1])
    story.baseline["completion"] = table_rows(page, "table[data-completion]")
    shot(page, 2, "02-task-completion-before")
    page.get_by_role("link", name="统计").first.click()
    page.wait_for_url(re.compile(r"/admin/stats/organizations/\d+/"))
    story.baseline["children"] = table_rows(page, "table[data-table=children]")
    shot(page, 2, "03-statistics-before")
    page.context.close()
