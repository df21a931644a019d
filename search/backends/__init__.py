"""Search backends: the embedded one on the project's database (default) and Elasticsearch when
``ELASTICSEARCH_URL`` is set. Both take ``SearchDocument`` and ``SearchQuery`` and give ``SearchResults``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

from django.conf import settings

from ..core import SearchDocument, SearchQuery, SearchResults, Viewer


class SearchBackend(Protocol):
    name: str

    def index(self, docs: Iterable[SearchDocument]) -> int:
        """Adds or replaces documents (by key); returns how many were written."""

    def remove(self, keys: Iterable[str]) -> int:
        """Removes documents by key; returns how many were there."""

    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """Replaces the whole index with ``docs`` without a moment in which searches find nothing."""

    def indexed_versions(self) -> dict[str, dt.datetime | None]:
        """key -> the ``updated_at`` the index holds for it."""

    def search(self, query: SearchQuery, viewer: Viewer) -> SearchResults: ...


_backend: SearchBackend | None = None
_backend_config: tuple[str | None, str, str] | None = None


def get_backend() -> SearchBackend:
    """The configured backend, built once per process (and again when the settings change, as in tests)."""
    global _backend, _backend_config
    config = (settings.ELASTICSEARCH_URL, settings.SEARCH_ES_ANALYZER, settings.SEARCH_ES_PREFIX)
    if _backend is None or config != _backend_config:
        if settings.ELASTICSEARCH_URL:
            from .elastic import ElasticsearchBackend

            _backend = ElasticsearchBackend(settings.ELASTICSEARCH_URL)
        else:
            from .embedded import EmbeddedBackend

            _backend = EmbeddedBackend()
        _backend_config = config
    return _backend
