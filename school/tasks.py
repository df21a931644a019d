from celery import shared_task

from . import outbox
from .services.spreadsheets import run_member_import


@shared_task(acks_late=True, queue="default")
def process_member_import(import_id: int) -> None:
    """Validate and apply an uploaded member spreadsheet. Safe to run twice: a finished import is
    skipped, and an import redelivered after a crash re-runs its (idempotent, atomic) apply."""
    run_member_import(import_id)


@shared_task(name="school.tasks.flush_task_outbox", queue="default", ignore_result=True)
def flush_task_outbox() -> int:
    """Beat (every TASKS_OUTBOX_FLUSH_SECONDS), at worker start and after a recovered send: publish the
    tasks the broker did not take. Safe to run twice or concurrently (rows are claimed)."""
    return outbox.flush().sent


# Register the ledger's tasks with the worker (autodiscovery looks at school.tasks only).
from school.credits.tasks import post_credit_task, recompute_scores_task  # noqa: E402

__all__ = ["deliver_notification_batch", "flush_task_outbox", "post_credit_task", "process_member_import",
           "recompute_scores_task", "remind_members"]


@shared_task(name="school.tasks.deliver_notification_batch", queue="default", ignore_result=True)
def deliver_notification_batch(batch: str) -> int:
    """E-mail one batch of notifications to those who asked for e-mail; safe twice (rows are claimed)."""
    from .services.notifications import deliver_batch_by_email

    return deliver_batch_by_email(batch)


@shared_task(name="school.tasks.remind_members", queue="default", ignore_result=True)
def remind_members(actor_id: int, member_ids: list[int], item_key: str, title: str, url: str) -> int:
    """一键提醒: remind the listed members (inside the actor's scope); safe twice (once per member, item, day)."""
    from django.contrib.auth import get_user_model

    from .services.notifications import do_remind

    actor = get_user_model().objects.filter(pk=actor_id).first()
    if actor is None:
        return 0
    return do_remind(actor, member_ids, item_key=item_key, title=title, url=url)
