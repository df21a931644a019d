"""Panels that courses adds to school's pages (我的学习, home) through school.hooks."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.http import HttpRequest

from school.hooks import Panel
from school.models import Notification
from school.permissions import member_of

from .models import CoursePage, LessonPage, StudyProgress


def my_study_context(member: Any) -> dict[str, Any]:
    progress = list(StudyProgress.objects.filter(member=member).values("page__path", "page__depth", "completed_at"))
    seconds = StudyProgress.objects.filter(member=member).aggregate(total=Sum("watched_seconds"))["total"] or 0
    steplen = LessonPage.steplen
    course_paths = {row["page__path"][:-steplen] for row in progress}
    courses = list(CoursePage.objects.live().filter(path__in=course_paths).order_by("title"))
    completed_paths = {row["page__path"] for row in progress if row["completed_at"] is not None}
    in_progress: list[dict[str, Any]] = []
    completed: list[dict[str, Any]] = []
    for course in courses:
        lesson_paths = set(LessonPage.objects.child_of(course).live().values_list("path", flat=True))
        done = len(lesson_paths & completed_paths)
        entry = {"course": course, "done": done, "total": len(lesson_paths)}
        (completed if lesson_paths and done == len(lesson_paths) else in_progress).append(entry)
    documents_read = sum(1 for row in progress if row["completed_at"] is not None) - sum(
        e["done"] for e in in_progress + completed)
    return {"in_progress": in_progress, "completed": completed, "minutes": int(seconds // 60),
            "documents_read": max(documents_read, 0),
            "unread": Notification.objects.filter(user_id=member.user_id, read_at__isnull=True).count()}


def my_study_panels(request: HttpRequest) -> list[Panel]:
    member = member_of(request.user)
    if member is None:
        return []
    return [Panel("courses/panels/my_study.html", order=10, context=my_study_context(member))]


def home_panels(request: HttpRequest) -> list[Panel]:
    from .services.study_tasks import tasks_for_member

    member = member_of(request.user)
    if member is None:
        return []
    from .services.continue_learning import resume_point

    rows = [row for row in tasks_for_member(member) if not row.complete and row.days_left >= 0]
    panels = [Panel("courses/panels/home_study_tasks.html", order=20, context={"rows": rows[:3], "count": len(rows)})]
    from .services.notices import notice_rows_for, unread_notice_count

    panels.append(Panel("courses/panels/home_notices.html", order=15, context={
        "rows": notice_rows_for(request.user, limit=3), "unread": unread_notice_count(request.user),
        "url": notice_board_url()}))
    resume = resume_point(member)
    if resume is not None:
        panels.append(Panel("courses/panels/home_continue.html", order=5, context={"resume": resume}))
    return panels


def notice_board_url() -> str:
    """The address of the notice board (通知公告), or "" when the site has none (live)."""
    from .models import NoticeIndexPage

    board = NoticeIndexPage.objects.live().first()
    return (board.url or "") if board is not None else ""
