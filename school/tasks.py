from celery import shared_task

from .imports import run_member_import


@shared_task(acks_late=True, queue="default")
def process_member_import(import_id: int) -> None:
    """Validate and apply an uploaded member spreadsheet. Safe to run twice: a finished import is
    skipped, and an import redelivered after a crash re-runs its (idempotent, atomic) apply."""
    run_member_import(import_id)


# Register the ledger's tasks with the worker (autodiscovery looks at school.tasks only).
from school.credits.tasks import post_credit_task, recompute_scores_task  # noqa: E402

__all__ = ["post_credit_task", "process_member_import", "recompute_scores_task"]
