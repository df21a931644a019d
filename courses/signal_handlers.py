"""Keep the access cache in step with publishing, and tell media who may watch a lesson's video."""

from __future__ import annotations

from typing import Any

from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished

from .access import can_view_page, forget_page


def _forget_subtree(instance: Page, **kwargs: Any) -> None:
    for page_id in Page.objects.descendant_of(instance, inclusive=True).values_list("pk", flat=True):
        forget_page(page_id)


def lesson_video_access(user: Any, video: Any) -> bool | None:
    """media's check: a video used by lessons may be watched by whoever may see one of those lessons."""
    from .models import VideoLessonPage

    lessons = list(VideoLessonPage.objects.filter(video=video).only("id", "path", "depth", "live"))
    if not lessons:
        return None
    return any(can_view_page(user, lesson) for lesson in lessons)


def connect() -> None:
    from media.access import register_video_access_check

    page_published.connect(_forget_subtree, dispatch_uid="courses_forget_published")
    page_unpublished.connect(_forget_subtree, dispatch_uid="courses_forget_unpublished")
    register_video_access_check(lesson_video_access)
