"""Builders for course content in tests (not a test module)."""

from __future__ import annotations

from typing import Any

from courses.models import CoursePage, NoticePage, PolicyDocumentPage, ReadingLessonPage, VideoLessonPage
from courses.services import ensure_site_pages, import_documents
from media.models import Video, VideoState


def make_course(title: str = "党章学习", *, allowed: list[Any] | None = None, **fields: Any) -> CoursePage:
    catalog = ensure_site_pages().catalog
    course = CoursePage(title=title, summary="学习党章", credit_hours=fields.pop("credit_hours", 2), **fields)
    catalog.add_child(instance=course)
    if allowed:
        course.allowed_organizations.set(allowed)
    course.save_revision().publish()
    return course


def make_reading(course: CoursePage, title: str = "第一课 党章总纲", seconds: int = 60) -> ReadingLessonPage:
    lesson = ReadingLessonPage(title=title, body="<p>中国共产党是中国工人阶级的先锋队。</p>", min_reading_seconds=seconds)
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    return lesson


def make_video(title: str = "党史视频", duration: float = 100.0) -> Video:
    return Video.objects.create(title=title, original="videos/originals/x.mp4", duration=duration,
                                state=VideoState.READY)


def make_video_lesson(course: CoursePage, title: str = "第二课 视频", duration: float = 100.0,
                      share: int = 90) -> VideoLessonPage:
    lesson = VideoLessonPage(title=title, video=make_video(duration=duration), required_share=share)
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    return lesson


def make_document(title: str = "中国共产党廉洁自律准则") -> PolicyDocumentPage:
    """A published policy document in the library (through the importer, as trainers add them)."""
    ensure_site_pages()
    import_documents([{"title": title, "category": "准则", "date": "2015-10-12",
                       "body": "第一条 坚持公私分明。\n第二条 坚持崇廉拒腐。"}])
    return PolicyDocumentPage.objects.get(title=title)


def make_notice(title: str = "关于开展主题党日活动的通知", *, targets: list[Any], confirm: bool = False,
                publish: bool = True, **fields: Any) -> NoticePage:
    """A notice on the board for ``targets`` (organizations), published unless ``publish`` is False
    (its fan-out is queued after commit like a trainer's publish)."""
    board = ensure_site_pages().notices
    notice = NoticePage(title=title, body=fields.pop("body", "<p>请各支部按时参加。</p>"), live=False,
                        requires_confirmation=confirm, **fields)
    board.add_child(instance=notice)
    notice.target_organizations.set(targets)
    revision = notice.save_revision()
    if publish:
        revision.publish()
    return notice


def run_outbox(task_name: str) -> list[Any]:
    """Run the tasks named ``task_name`` that the outbox holds (queued inside a test's transaction, whose
    on-commit publish never happens or was captured without executing), as a worker would; returns their
    results and empties those rows."""
    from celery import current_app

    from school.models import OutboxTask

    results = []
    for row in OutboxTask.objects.filter(task=task_name).order_by("pk"):
        results.append(current_app.tasks[task_name](*row.args, **row.kwargs))
        row.delete()
    return results
