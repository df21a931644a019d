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
from search.core import SearchUnavailable, Viewer
from search.models import PendingIndex
from search.params import parse_query
from search.readiness import check_search_engine
from tests.search.builders import library
from tests.search.es_node import Node, running_node, self_signed

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


def test_it_retries_bulk_items_rejected_with_429_and_counts_a_missing_delete_as_done(node: Node, db: None) -> None:
    kept = document("党员教育管理规定")
    node.reject_items(f"document:{kept.pk}", times=2)  # the write queue is full twice, then takes it
    assert indexing.index_page_or_remember(kept.pk) == 1
    assert f"document:{kept.pk}" in node.docs("school-documents")
    assert len(node.calls("PUT", "_bulk")) == 3
    assert backend().remove(["document:999999"]) == 0  # 404: nothing was there, nothing to retry
    assert not PendingIndex.objects.exists()


def test_it_records_the_page_when_bulk_items_keep_failing(node: Node, db: None) -> None:
    page = document("党员教育管理规定")
    indexing.index_page(page.pk)
    node.reject_items(f"document:{page.pk}", times=100)
    PolicyDocumentPage.objects.get(pk=page.pk).unpublish()
    with pytest.raises(SearchUnavailable, match="429"):
        indexing.index_page_or_remember(page.pk)  # the delete was refused: it must not count as done
    assert PendingIndex.objects.get().page_id == page.pk
    assert f"document:{page.pk}" in node.docs("school-documents")
    node.rejections.clear()
    assert indexing.catch_up().indexed == 1
    assert node.docs("school-documents") == {} and not PendingIndex.objects.exists()
    node.item_errors[f"document:{page.pk}"] = (400, {"type": "document_parsing_exception", "reason": "failed to parse"})
    page.refresh_from_db()
    page.save_revision().publish()
    with pytest.raises(SearchUnavailable, match="failed to parse"):
        indexing.index_page_or_remember(page.pk)
    assert PendingIndex.objects.get().page_id == page.pk
    assert backend().search(parse_query({"q": "党员"}), Viewer(sees_everything=True)) is not None  # searches go on


@pytest.fixture
def secured(settings: Any, tmp_path: Any) -> Iterator[tuple[Node, str, str]]:
    """ES 8 as installed: HTTPS with its own CA, and credentials required."""
    context, ca_file, fingerprint = self_signed(tmp_path)
    with running_node(Node(credentials={"ApiKey c2VjcmV0", "Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="}), tls=context) \
            as (node, url):
        settings.ELASTICSEARCH_URL = url
        settings.SEARCH_ES_PREFIX = "school"
        settings.SEARCH_ES_RETRY_SECONDS = 0.0
        yield node, ca_file, fingerprint
    settings.ELASTICSEARCH_URL = None


def test_it_says_which_part_of_a_secured_cluster_fails(secured: tuple[Node, str, str], settings: Any,
                                                       db: None) -> None:
    node, ca_file, fingerprint = secured
    check = check_search_engine()
    assert check.status == "error" and "SEARCH_ES_CA_CERTS" in check.message  # TLS: its CA is not trusted
    with pytest.raises(SearchUnavailable, match="tls"):
        backend().search(parse_query({"q": "党员"}), Viewer())
    settings.SEARCH_ES_CA_CERTS = ca_file
    check = check_search_engine()
    assert check.status == "error" and "SEARCH_ES_API_KEY" in check.message  # TLS passes, credentials missing
    settings.SEARCH_ES_API_KEY = "wrong"
    assert "SEARCH_ES_API_KEY" in check_search_engine().message
    settings.SEARCH_ES_API_KEY = "c2VjcmV0"
    assert check_search_engine().status == "ok"
    assert node.requests[-1].headers["authorization"] == "ApiKey c2VjcmV0"
    settings.SEARCH_ES_API_KEY = None
    settings.SEARCH_ES_CA_CERTS = None
    settings.SEARCH_ES_SSL_FINGERPRINT = fingerprint
    settings.SEARCH_ES_USERNAME, settings.SEARCH_ES_PASSWORD = "elastic", "changeme"
    assert check_search_engine().status == "ok"
    assert node.requests[-1].headers["authorization"] == "Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="


def test_it_names_the_missing_analysis_plugin_once(node: Node, settings: Any, db: None) -> None:
    from django.core.management import CommandError, call_command

    settings.SEARCH_ES_ANALYZER = "smartcn"
    settings.SEARCH_ES_RETRY_SECONDS = 0.0
    check = check_search_engine()
    assert check.status == "error" and "analysis-smartcn" in check.message
    with pytest.raises(CommandError, match="analysis-smartcn"):
        call_command("search_index", "--rebuild")
    assert not node.calls("PUT", r"^/school-")  # no half-made index
    page = document("党员教育管理规定")
    with pytest.raises(SearchUnavailable, match="analysis-smartcn"):
        indexing.index_page_or_remember(page.pk)
    assert PendingIndex.objects.get().page_id == page.pk
    node.tokenizers.add("smartcn_tokenizer")  # the plugin is installed
    assert indexing.catch_up().indexed == 1
    analyzed = len(node.calls("GET", "_analyze")) + len(node.calls("POST", "_analyze"))
    backend().search(parse_query({"q": "党员"}), Viewer())
    backend().index([])
    assert len(node.calls("GET", "_analyze")) + len(node.calls("POST", "_analyze")) == analyzed  # checked once


def test_it_bootstraps_each_alias_once_even_when_two_processes_race(node: Node, settings: Any, db: None) -> None:
    first = ElasticsearchBackend(settings.ELASTICSEARCH_URL)
    second = ElasticsearchBackend(settings.ELASTICSEARCH_URL)  # another worker, starting at the same moment
    first.ensure_aliases()
    node.fail("HEAD", "/_alias/school-documents", 404, {})  # it looked before the first one had created it
    second.ensure_aliases()
    assert node.resolve("school-documents") == ["school-documents-0"]
    assert node.resolve("school-courses") == ["school-courses-0"]
    assert second.index(library()) == 5 and len(node.docs("school-documents")) == 5
    before = len(node.requests)
    second.index(library()[:1])
    second.search(parse_query({"q": "条例"}), Viewer())
    assert [r.path for r in node.requests[before:]] == ["/_bulk", "/school-documents,school-courses/_search"]


def test_it_drops_its_indices_by_name_where_wildcard_deletes_are_refused(node: Node, settings: Any,
                                                                         db: None) -> None:
    engine = ElasticsearchBackend(settings.ELASTICSEARCH_URL)
    engine.rebuild(library())
    node.indices["other-documents-1"] = {"docs": {}, "aliases": {}}
    engine.drop_all()
    assert list(node.indices) == ["other-documents-1"]
    assert not [r for r in node.calls("DELETE") if "*" in r.path]


def test_it_loads_a_rebuild_with_its_own_timeout_and_chunks_and_cleans_up_a_failed_one(node: Node, settings: Any,
                                                                                      db: None) -> None:
    settings.SEARCH_ES_TIMEOUT = 1
    settings.SEARCH_ES_REBUILD_TIMEOUT = 5
    settings.SEARCH_ES_REBUILD_CHUNK = 2
    engine = ElasticsearchBackend(settings.ELASTICSEARCH_URL)
    engine.ensure_aliases()
    node.delay["/_bulk"] = 1.2  # a busy cluster: slower than the search timeout, well within the rebuild's
    assert engine.rebuild(library()) == 5
    assert len(node.calls("PUT", "/_bulk")) == 3  # 2 + 2 + 1
    del node.delay["/_bulk"]
    before = set(node.indices)
    node.fail("PUT", "/_bulk", 503, {"error": {"type": "unavailable_shards_exception", "reason": "primary shard is "
                                               "not active"}, "status": 503}, times=100)
    with pytest.raises(SearchUnavailable):
        engine.rebuild(library())
    assert set(node.indices) == before  # the half-built indices are gone, the old ones serve on
    node.failures.clear()
    assert engine.search(parse_query({"q": "条例"}), Viewer()).total == 5  # searches were not taken down


def test_it_does_not_take_search_down_for_one_slow_request(node: Node, settings: Any, db: None) -> None:
    settings.SEARCH_ES_TIMEOUT = 1
    engine = ElasticsearchBackend(settings.ELASTICSEARCH_URL)
    engine.index(library())
    node.delay["_search"] = 1.5
    with pytest.raises(SearchUnavailable, match="timeout"):
        engine.search(parse_query({"q": "条例"}), Viewer())
    del node.delay["_search"]
    assert engine.search(parse_query({"q": "条例"}), Viewer()).hits


def test_it_lets_indexing_try_while_searches_are_answered_unavailable(node: Node, settings: Any, db: None) -> None:
    engine = ElasticsearchBackend(settings.ELASTICSEARCH_URL)
    node.fail("HEAD", "/_alias/school-documents", 503, {"error": {"type": "cluster_block_exception", "reason":
                                                                  "blocked by: [SERVICE_UNAVAILABLE/1/state not "
                                                                  "recovered / initialized];"}, "status": 503}, 10)
    with pytest.raises(SearchUnavailable):
        engine.search(parse_query({"q": "条例"}), Viewer())
    node.failures.clear()
    with pytest.raises(SearchUnavailable):  # searches: at once, for SEARCH_ES_RETRY_SECONDS
        engine.search(parse_query({"q": "条例"}), Viewer())
    assert engine.index(library()) == 5  # the indexing task's retry is a real attempt


def test_it_puts_the_alias_back_on_a_first_index_left_without_it(node: Node, settings: Any, db: None) -> None:
    node.indices["school-documents-0"] = {"docs": {}, "aliases": {}}  # someone removed the alias by hand
    engine = ElasticsearchBackend(settings.ELASTICSEARCH_URL)
    docs = library()
    assert engine.index(docs) == 5
    assert set(node.docs("school-documents")) == {doc.key for doc in docs}
    assert "school-documents" not in node.indices  # no index auto-created under the alias's name


def test_it_searches_when_the_key_may_not_run_the_analyzer_check(node: Node, settings: Any, db: None) -> None:
    settings.SEARCH_ES_ANALYZER = "smartcn"
    node.tokenizers.add("smartcn_tokenizer")
    node.fail("GET", "_analyze", 403, {"error": {"type": "security_exception", "reason": "action [indices:admin/"
                                                 "analyze] is unauthorized for API key id [k1]"}, "status": 403})
    node.fail("POST", "_analyze", 403, {"error": {"type": "security_exception", "reason": "action [indices:admin/"
                                                  "analyze] is unauthorized for API key id [k1]"}, "status": 403})
    engine = ElasticsearchBackend(settings.ELASTICSEARCH_URL)
    assert engine.index(library()) == 5
    assert engine.search(parse_query({"q": "条例"}), Viewer()).total == 5


def test_it_names_the_plugin_when_index_creation_finds_no_tokenizer(node: Node, settings: Any, db: None) -> None:
    from django.core.management import CommandError, call_command

    settings.SEARCH_ES_ANALYZER = "ik"
    backend().analyzer_checked = True  # the check could not run (a key without the privilege)
    with pytest.raises(CommandError, match="analysis-ik"):
        call_command("search_index", "--rebuild")
    assert node.indices == {}
