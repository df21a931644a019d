from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="exams.tasks.sweep_expired_attempts")
def sweep_expired_attempts() -> int:
    """Submit attempts left open past their deadline; safe to run twice (conditional claim per attempt)."""
    return services.sweep_expired_attempts()
