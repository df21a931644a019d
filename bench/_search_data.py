"""Helpers of bench/search.py that need Django (call after ``django.setup()``): loading the corpus and the
naive LIKE baseline. They live here, not in an app, because they join courses' importer to search's index."""

from __future__ import annotations

from pathlib import Path

from django.db.models import Q

from courses.models import PolicyDocumentPage
from courses.services.documents import import_documents, read_rows
from search import indexing


def load_corpus(corpus: Path) -> int:
    """The corpus through courses' import path (pages in the library), then a full index rebuild."""
    result = import_documents(read_rows(corpus))
    if not result.ok:
        raise SystemExit(f"import failed: {result.errors[:5]}")
    return indexing.rebuild()


def like_baseline(q: str, limit: int) -> list[str]:
    """What a naive implementation does: LIKE '%q%' over the documents' titles and full text (independent
    of the search backend, so it is the same baseline for the embedded backend and Elasticsearch)."""
    qs = PolicyDocumentPage.objects.live().filter(Q(title__contains=q) | Q(body__contains=q))
    return list(qs.values_list("title", flat=True)[:limit])


def document_versions() -> dict[str, tuple[str, int | None, bool]]:
    """Search key of every live policy document -> (title, version year, is the current version of its title)."""
    pages = list(PolicyDocumentPage.objects.live())
    current = {page.pk for page in PolicyDocumentPage.current_versions(pages)}
    return {f"document:{page.pk}": (page.title, page.version_year, page.pk in current) for page in pages}
