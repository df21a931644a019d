from celery import shared_task

from .imports import run_member_import


@shared_task(acks_late=True, queue="default")
def process_member_import(import_id: int) -> None:
    """Validate and apply an uploaded member spreadsheet. Safe to run twice: a finished import is
    skipped, and an import redelivered after a crash re-runs its (idempotent, atomic) apply."""
    run_member_import(import_id)
