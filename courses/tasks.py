"""Celery tasks of the courses app (ids in, plain functions inside, safe to run twice)."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command

from school import periodic


@shared_task(name="courses.tasks.send_task_reminders")
def send_task_reminders() -> int:
    from .services.study_tasks import send_task_reminders as send

    if not periodic.claim_run("courses-task-reminders"):  # a second beat's copy
        return 0
    return send()


@shared_task(name="courses.tasks.publish_scheduled_pages")
def publish_scheduled_pages() -> None:
    """Wagtail's scheduled publishing (go-live / expiry dates set by trainers and moderators), once per
    interval however many beats send it."""
    if periodic.claim_run("courses-publish-scheduled"):
        call_command("publish_scheduled", verbosity=0)


@shared_task(name="courses.tasks.notify_notice_published", queue="default", ignore_result=True)
def notify_notice_published(notice_id: int) -> int:
    """A notice went live (published now or by the schedule): tell its recipients in one set-based send.
    Safe twice (one notification per member and notice)."""
    from .services.notices import notify_notice_published as notify

    return notify(notice_id)
