"""Every receiver of the courses app, connected by ``register_signal_handlers()`` from CoursesConfig.ready():
keep the access cache in step with publishing, and turn ``lesson_completed`` into queued credit awards."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished

from school.credits.tasks import post_credit_after_commit, refresh_metrics_after_commit

from .access import forget_page
from .credits import deadline_months, lesson_is, verify_course
from .signals import lesson_completed


def forget_subtree(instance: Page, **kwargs: Any) -> None:
    """A page (un)published: its subtree's cached access gates are stale."""
    for page_id in Page.objects.descendant_of(instance, inclusive=True).values_list("pk", flat=True):
        forget_page(page_id)


def notice_published(instance: Page, **kwargs: Any) -> None:
    """A notice went live: queue its fan-out after commit (a scheduled publish sends the same signal)."""
    from school import outbox

    from .models import NoticePage
    from .tasks import notify_notice_published

    if isinstance(instance, NoticePage) and instance.live:  # not a publish scheduled for later
        outbox.send_on_commit(notify_notice_published, instance.pk)


def award_lesson_completed(sender: Any, member_id: int, lesson_id: int, completed_at: dt.datetime,
                           **kwargs: Any) -> None:
    """Queue the awards (after commit, queue ``default``): the document or lesson, and the course when this
    lesson completed it."""
    from .models import LessonPage

    # study-task completion follows at once, in the month of each open task's deadline too
    refresh_metrics_after_commit(member_id, completed_at, deadline_months(member_id, completed_at))
    if lesson_is(lesson_id, "document"):
        post_credit_after_commit(member_id, "document", lesson_id, completed_at)
        return
    post_credit_after_commit(member_id, "lesson", lesson_id, completed_at)
    lesson = LessonPage.objects.filter(pk=lesson_id).first()
    course = lesson.course() if lesson is not None else None
    if course is not None and verify_course(member_id, course.pk):
        post_credit_after_commit(member_id, "course", course.pk, completed_at)


def register_signal_handlers() -> None:
    page_published.connect(forget_subtree, dispatch_uid="courses_forget_published")
    page_unpublished.connect(forget_subtree, dispatch_uid="courses_forget_unpublished")
    page_published.connect(notice_published, dispatch_uid="courses_notice_published")
    lesson_completed.connect(award_lesson_completed, dispatch_uid="courses_credits_lesson_completed")
