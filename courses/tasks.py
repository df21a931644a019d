"""Celery tasks of the courses app (ids in, plain functions inside, safe to run twice)."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task(name="courses.tasks.send_task_reminders")
def send_task_reminders() -> int:
    from .services.study_tasks import send_task_reminders as send

    return send()


@shared_task(name="courses.tasks.publish_scheduled_pages")
def publish_scheduled_pages() -> None:
    """Wagtail's scheduled publishing (go-live / expiry dates set by trainers and moderators)."""
    call_command("publish_scheduled", verbosity=0)
