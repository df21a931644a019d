"""Celery tasks that follow the page tree. When the engine is down the page is recorded
(``search.models.PendingIndex``) and the task retries with exponential backoff for about 40 minutes; the
beat task ``catch_up_index`` indexes whatever is still recorded once the engine answers again, so
publishing never waits for search and nothing is lost."""

from __future__ import annotations

from celery import shared_task

from . import indexing
from .core import SearchUnavailable

RETRY_ON = (SearchUnavailable, ConnectionError)


@shared_task(name="search.tasks.index_page", autoretry_for=RETRY_ON, retry_backoff=5, retry_backoff_max=600,
             retry_jitter=True, max_retries=10, acks_late=True)
def index_page(page_id: int) -> int:
    return indexing.index_page_or_remember(page_id)


@shared_task(name="search.tasks.remove_page", autoretry_for=RETRY_ON, retry_backoff=5, retry_backoff_max=600,
             retry_jitter=True, max_retries=10, acks_late=True)
def remove_page(page_id: int) -> int:
    # index_page removes a page that is gone or unpublished, and is what the catch-up replays.
    return indexing.index_page_or_remember(page_id)


@shared_task(name="search.tasks.catch_up_index", queue="default", ignore_result=True)
def catch_up_index() -> int:
    """Beat (every SEARCH_CATCH_UP_SECONDS): index the pages recorded while the engine was down.
    One cheap query when there are none."""
    if not indexing.pending_count():
        return 0
    return indexing.catch_up().indexed
