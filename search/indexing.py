"""Keeping the index in step with Wagtail's page tree: plain functions the Celery tasks, the
``search_index`` command and the tests call."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone
from wagtail.models import Page

from .backends import get_backend
from .core import CONTENT_TYPES, SearchUnavailable
from .models import PendingIndex
from .sources import document_for, is_source, iter_documents

logger = logging.getLogger(__name__)


def keys_of(page_ids: Iterable[int]) -> list[str]:
    return [f"{content_type}:{page_id}" for page_id in page_ids for content_type in CONTENT_TYPES]


def index_page(page_id: int) -> int:
    """(Re)index a page and the indexed pages below it (a course's lessons, the library's documents);
    pages that are gone, unpublished or under an unpublished ancestor are removed. Safe to run twice."""
    backend = get_backend()
    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        return backend.remove(keys_of([page_id]))
    docs = []
    gone = []
    for node in page.get_descendants(inclusive=True).specific().iterator(chunk_size=200):
        if not is_source(node):
            continue
        doc = document_for(node)
        if doc is not None and doc.live:
            docs.append(doc)
        else:
            gone.append(node.pk)
    if gone:
        backend.remove(keys_of(gone))
    return backend.index(docs)


def remove_page(page_id: int) -> int:
    return get_backend().remove(keys_of([page_id]))


def rebuild() -> int:
    """A new index from every live page, swapped in; then what changed while it was built is re-applied.
    Until the swap the indexing tasks write through the alias to the old index, which the swap discards:
    a page published, changed or unpublished meanwhile is indexed or removed by the ``update`` pass."""
    started = timezone.now()
    count = get_backend().rebuild(iter_documents())
    PendingIndex.objects.filter(last_failed_at__lte=started).delete()  # all of them are in the new index
    update()
    return count


def update() -> tuple[int, int]:
    """Index pages changed since they were indexed, remove entries whose page is gone or unpublished.
    Returns (indexed, removed)."""
    started = timezone.now()
    backend = get_backend()
    indexed = backend.indexed_versions()
    changed = []
    current: set[str] = set()
    for doc in iter_documents():
        current.add(doc.key)
        if doc.key not in indexed or (doc.updated_at and indexed[doc.key] != doc.updated_at):
            changed.append(doc)
    written = backend.index(changed) if changed else 0
    stale = [key for key in indexed if key not in current]
    removed = backend.remove(stale) if stale else 0
    PendingIndex.objects.filter(last_failed_at__lte=started).delete()  # what they missed is now indexed
    return written, removed


# --- catching up after an engine outage -------------------------------------------------------------

@dataclass(frozen=True)
class CatchUp:
    indexed: int
    remaining: int
    reason: str = ""


def remember_failure(page_id: int, exc: BaseException) -> None:
    """Keep the page for the catch-up sweep (the task's own retries may run out while the engine is down)."""
    now = timezone.now()
    reason = f"{type(exc).__name__}: {exc}"[:2000]
    updated = PendingIndex.objects.filter(page_id=page_id).update(reason=reason, attempts=F("attempts") + 1,
                                                                  last_failed_at=now)
    if not updated:
        PendingIndex.objects.get_or_create(page_id=page_id, defaults={"reason": reason, "last_failed_at": now})
    logger.warning("search: page %s not indexed (%s); kept for the catch-up", page_id, reason)


def forget_failure(page_id: int, since: dt.datetime) -> None:
    """The page was indexed with its state as of ``since``: drop a failure recorded before that."""
    PendingIndex.objects.filter(page_id=page_id, last_failed_at__lte=since).delete()


def index_page_or_remember(page_id: int) -> int:
    """What the Celery tasks run: ``index_page``; an unreachable engine is recorded, then re-raised
    (the task retries with backoff)."""
    started = timezone.now()
    try:
        written = index_page(page_id)
    except (SearchUnavailable, ConnectionError) as exc:
        remember_failure(page_id, exc)
        raise
    forget_failure(page_id, started)
    return written


def pending_count() -> int:
    return PendingIndex.objects.count()


def catch_up(limit: int = 1000) -> CatchUp:
    """Index the pages whose indexing failed, oldest first; stops at the first engine failure (still
    down). Safe to run twice or next to the tasks: indexing a page is idempotent."""
    indexed = 0
    reason = ""
    for row in list(PendingIndex.objects.order_by("first_failed_at", "id")[:limit]):
        started = timezone.now()
        try:
            index_page(row.page_id)
        except (SearchUnavailable, ConnectionError) as exc:
            reason = f"{type(exc).__name__}: {exc}"[:2000]
            PendingIndex.objects.filter(pk=row.pk).update(reason=reason, attempts=F("attempts") + 1,
                                                          last_failed_at=timezone.now())
            break
        forget_failure(row.page_id, started)
        indexed += 1
    if indexed:
        logger.info("search: caught up %d pages after an engine outage", indexed)
    return CatchUp(indexed, pending_count(), reason)
