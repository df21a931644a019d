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

__all__ = ["flush_task_outbox", "post_credit_task", "process_member_import", "recompute_scores_task"]
