"""Celery tasks of school (queue ``default``): they take ids and are safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from . import outbox
from .services.spreadsheets import run_member_import


@shared_task(acks_late=True, queue="default", soft_time_limit=3600, time_limit=3660)
def process_member_import(import_id: int) -> None:
    """Validate and apply an uploaded member spreadsheet. Safe to run twice: a finished import is
    skipped, and an import redelivered after a crash re-runs its (idempotent, atomic) apply."""
    run_member_import(import_id)


@shared_task(queue="default", ignore_result=True)
def sweep_stuck_member_imports() -> list[int]:
    """Beat: member imports left waiting or running by a dead worker end as failed with a reason."""
    from .services.spreadsheets import sweep_stuck_member_imports as sweep

    return sweep()


@shared_task(acks_late=True, queue="default", soft_time_limit=3600, time_limit=3660)
def issue_activation_codes(sheet_id: int) -> None:
    """Issue the activation codes of a sheet and write its Excel file. Safe to run twice (a finished
    sheet is skipped; a redelivered one re-issues, revoking the codes nobody has seen)."""
    from .accounts.services import run_activation_sheet

    run_activation_sheet(sheet_id)


@shared_task(bind=True, acks_late=True, queue="default", max_retries=3)
def send_verification_code(self: Any, sms_id: int) -> None:
    """Send an SMS verification code, retrying a provider that is down. Safe to run twice (a sent code
    is skipped); after the last try the code is marked failed and the member's page says so."""
    from .accounts.services import deliver_code
    from .accounts.sms import SmsError

    try:
        deliver_code(sms_id, last_try=self.request.retries >= self.max_retries)
    except SmsError as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=5 * (self.request.retries + 1)) from exc


@shared_task(name="school.tasks.flush_task_outbox", queue="default", ignore_result=True)
def flush_task_outbox() -> int:
    """Beat (every TASKS_OUTBOX_FLUSH_SECONDS), at worker start and after a recovered send: publish the
    tasks the broker did not take. Safe to run twice or concurrently (rows are claimed)."""
    return outbox.flush().sent


# Register the ledger's tasks with the worker (autodiscovery looks at school.tasks only).
from school.credits.tasks import post_credit_task, recompute_scores_task  # noqa: E402

__all__ = ["deliver_notification_batch", "flush_task_outbox", "issue_activation_codes", "post_credit_task",
           "process_member_import", "recompute_scores_task", "remind_members", "send_held_sms", "send_verification_code"]


@shared_task(name="school.tasks.deliver_notification_batch", queue="default", ignore_result=True)
def deliver_notification_batch(batch: str) -> tuple[int, int]:
    """E-mail and SMS copies of one batch of notifications for those who chose them (SMS wait out the quiet
    hours); safe twice (rows are claimed). Returns (e-mailed, texted)."""
    from .services.notifications import deliver_batch

    return deliver_batch(batch)


@shared_task(name="school.tasks.send_held_sms", queue="default", ignore_result=True)
def send_held_sms() -> int:
    """Beat: send the SMS copies held back by the quiet hours (nothing while they last); safe twice or
    concurrently (each row is claimed before sending)."""
    from .services.notifications import send_held_sms as send

    return send()


@shared_task(name="school.tasks.remind_members", queue="default", ignore_result=True)
def remind_members(actor_id: int, member_ids: list[int], item_key: str, title: str, url: str) -> int:
    """一键提醒: remind the listed members (inside the actor's scope); safe twice (once per member, item, day)."""
    from django.contrib.auth import get_user_model

    from .services.notifications import do_remind

    actor = get_user_model().objects.filter(pk=actor_id).first()
    if actor is None:
        return 0
    return do_remind(actor, member_ids, item_key=item_key, title=title, url=url)
