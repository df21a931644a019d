"""继续学习: the lesson a member should open next — the last lesson they studied, where they left it, or
the next lesson of that course once the last one is complete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models import CoursePage, LessonPage, ProgressKind, StudyProgress


@dataclass(frozen=True)
class ResumePoint:
    course: CoursePage
    lesson: LessonPage
    progress: StudyProgress | None  # None: a lesson not started yet (the next one)

    @property
    def position_text(self) -> str:
        return _duration_text(self.progress.position if self.progress else 0)


def resume_point(member: Any, course: CoursePage | None = None) -> ResumePoint | None:
    if member is None:
        return None
    rows = StudyProgress.objects.filter(member=member, kind__in=[ProgressKind.VIDEO, ProgressKind.READING],
                                        page__live=True)
    if course is not None:
        rows = rows.filter(page__path__startswith=course.path, page__depth=course.depth + 1)
    for row in rows.select_related("page").order_by("-updated_at", "-id")[:5]:
        lesson = row.page.specific
        if not isinstance(lesson, LessonPage):
            continue
        parent = lesson.course()
        if parent is None or not parent.live:
            continue
        if row.completed_at is None:
            return ResumePoint(parent, lesson, row)
        following = _next_unfinished(member, parent, lesson)
        if following is not None:
            return ResumePoint(parent, following, None)
        if course is not None:
            return None
    return None


def _next_unfinished(member: Any, course: CoursePage, after: LessonPage) -> LessonPage | None:
    lessons = course.lessons()
    done = set(StudyProgress.objects.filter(member=member, page_id__in=[lesson.pk for lesson in lessons],
                                            completed_at__isnull=False).values_list("page_id", flat=True))
    index = next((i for i, lesson in enumerate(lessons) if lesson.pk == after.pk), -1)
    for lesson in lessons[index + 1:] + lessons[:index + 1]:
        if lesson.pk not in done:
            return lesson
    return None


def _duration_text(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def lesson_facts(lesson: LessonPage, progress: StudyProgress | None) -> dict[str, Any]:
    """What a course page's lesson list shows: status (未开始 / 学习中 x% / 已完成), length, required share."""
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    kind, duration, required = lesson.progress_spec()
    if progress is not None and progress.completed_at is not None:
        status, state = _("Completed"), "done"
    elif progress is not None:
        status, state = _("Studying %(percent)s%%") % {"percent": progress.percent}, "studying"
    else:
        status, state = pgettext("lesson status", "Not started"), "new"
    if kind == "video":
        length = _("Video %(length)s") % {"length": _duration_text(duration)} if duration else _("Video")
        share = getattr(lesson, "required_share", 100)
        required_text = _("watch %(share)s%%") % {"share": share}
    else:
        minutes = max(1, round(required / 60)) if required else 0
        length = _("Reading, about %(minutes)s min") % {"minutes": minutes} if minutes else _("Reading")
        required_text = ""
    return {"lesson": lesson, "progress": progress, "status": status, "state": state, "length": length,
            "required": required_text}
