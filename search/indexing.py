"""Keeping the index in step with Wagtail's page tree: plain functions the Celery tasks, the
``search_index`` command and the tests call."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from wagtail.models import Page

from .backends import get_backend
from .core import CONTENT_TYPES
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
    return get_backend().rebuild(iter_documents())


def update() -> tuple[int, int]:
    """Index pages changed since they were indexed, remove entries whose page is gone or unpublished.
    Returns (indexed, removed)."""
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
    return written, removed
