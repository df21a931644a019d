"""The Elasticsearch backend against a recording ES 8 stand-in (tests/search/es_node.py) through the real
``elasticsearch`` client: rebuilds under load, bulk item failures, TLS and credentials, a missing analysis
plugin, alias bootstrap, teardown by name, rebuild timeouts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from courses.models import PolicyDocumentPage
from courses.services.site import ensure_site_pages
from search import indexing
from search.backends import get_backend
from search.backends.elastic import ElasticsearchBackend
from tests.search.es_node import Node, running_node

BODY = "第一章　总则\n第一条　为了加强党员教育管理，制定本规定。\n"


@pytest.fixture
def node(settings: Any) -> Iterator[Node]:
    with running_node() as (node, url):
        settings.ELASTICSEARCH_URL = url
        settings.SEARCH_ES_PREFIX = "school"
        settings.SEARCH_ES_RETRY_SECONDS = 10.0
        settings.SEARCH_ES_BULK_BACKOFF = 0.01
        yield node
    settings.ELASTICSEARCH_URL = None


def backend() -> ElasticsearchBackend:
    engine = get_backend()
    assert isinstance(engine, ElasticsearchBackend)
    return engine


def document(title: str, live: bool = True) -> PolicyDocumentPage:
    page = PolicyDocumentPage(title=title, body=BODY, category="规定", issue_date=dt.date(2024, 1, 1), live=False)
    ensure_site_pages().library.add_child(instance=page)
    if live:
        page.save_revision().publish()
        page.refresh_from_db()
    return page


def test_it_keeps_a_page_published_and_a_page_unpublished_during_a_rebuild(node: Node, db: None,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    kept = document("党员教育管理规定")
    leaving = document("党费收缴使用管理规定")
    arriving = document("党支部工作条例", live=False)
    indexing.rebuild()
    assert set(node.docs("school-documents")) == {f"document:{kept.pk}", f"document:{leaving.pk}"}

    real = indexing.iter_documents

    def during_rebuild() -> Iterator[Any]:
        docs = list(real())  # the rebuild has read the pages ...
        arriving.save_revision().publish()  # ... then an editor publishes one and unpublishes another,
        PolicyDocumentPage.objects.get(pk=leaving.pk).unpublish()
        indexing.index_page(arriving.pk)  # and the Celery tasks index them through the alias
        indexing.index_page(leaving.pk)
        yield from docs

    monkeypatch.setattr(indexing, "iter_documents", during_rebuild)
    indexing.rebuild()
    monkeypatch.setattr(indexing, "iter_documents", real)
    assert set(node.docs("school-documents")) == {f"document:{kept.pk}", f"document:{arriving.pk}"}
    assert len(node.resolve("school-documents")) == 1
