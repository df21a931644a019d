"""What search indexes: the kinds of pages other apps register through ``school.hooks.SEARCH_SOURCES``
(courses registers its policy documents, courses and lessons in ``courses/search_sources.py``), so search
never imports them. Each source turns its pages into ``SearchDocument``s; this module asks them."""

from __future__ import annotations

from collections.abc import Iterator

from wagtail.models import Page

from school.hooks import SearchSource, search_sources

from .core import SearchDocument


def sources() -> list[SearchSource]:
    return search_sources()


def source_models() -> tuple[type[Page], ...]:
    """The page models of every registered source."""
    return tuple(model for source in sources() for model in source.models)


def document_for(page: Page) -> SearchDocument | None:
    """The search document of a page, or None when no source indexes pages of its type."""
    specific = page.specific
    for source in sources():
        if isinstance(specific, source.models):
            return source.document(page)
    return None


def is_source(page: Page) -> bool:
    models = source_models()
    return isinstance(page, models) or issubclass(page.specific_class or Page, models)


def iter_documents() -> Iterator[SearchDocument]:
    """Every live page search indexes (``search_index --rebuild``), source by source."""
    for source in sources():
        for doc in source.documents():
            if doc.live:
                yield doc
