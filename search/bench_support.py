"""Helpers of bench/search.py that need Django: loading the corpus and the naive LIKE baseline."""

from __future__ import annotations

from pathlib import Path

from django.db.models import Q

from courses.services.documents import import_documents, read_rows

from . import indexing
from .models import SearchEntry, SearchPassage


def load_corpus(corpus: Path) -> int:
    """The corpus through courses' import path (pages in the library), then a full index rebuild."""
    result = import_documents(read_rows(corpus))
    if not result.ok:
        raise SystemExit(f"import failed: {result.errors[:5]}")
    return indexing.rebuild()


def like_baseline(q: str, limit: int) -> list[str]:
    """What a naive implementation does: LIKE '%q%' over titles and article text."""
    ids = SearchPassage.objects.filter(text__contains=q).values("entry_id")
    return list(SearchEntry.objects.filter(Q(title__contains=q) | Q(pk__in=ids)).values_list("title", flat=True)[:limit])
