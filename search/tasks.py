"""Celery tasks that follow the page tree. When the engine is down they retry with exponential
backoff (up to about a day), so publishing never waits for search and nothing is lost."""

from __future__ import annotations

from celery import shared_task

from . import indexing
from .core import SearchUnavailable

RETRY_ON = (SearchUnavailable, ConnectionError)


@shared_task(name="search.tasks.index_page", autoretry_for=RETRY_ON, retry_backoff=5, retry_backoff_max=1800,
             retry_jitter=True, max_retries=60, acks_late=True)
def index_page(page_id: int) -> int:
    return indexing.index_page(page_id)


@shared_task(name="search.tasks.remove_page", autoretry_for=RETRY_ON, retry_backoff=5, retry_backoff_max=1800,
             retry_jitter=True, max_retries=60, acks_late=True)
def remove_page(page_id: int) -> int:
    return indexing.remove_page(page_id)
