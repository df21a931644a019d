"""Elasticsearch unreachable: the search page and the API say so clearly (503, Chinese message, never
the driver's words), searches fail at once while the cluster is known to be down, and indexing work
that failed — after all the task's retries — is kept and delivered by the catch-up once the engine
answers. No server exists here: a closed local port for "unreachable", and a node class for
elasticsearch-py that records what would have been sent (or refuses, while "down")."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
from collections.abc import Iterator
from io import StringIO
from typing import Any, ClassVar

import pytest
from django.core.management import CommandError, call_command
from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport._node import NodeApiResponse
from wagtail.models import Page

from courses.models import PolicyDocumentPage
from courses.services.site import ensure_site_pages
from search import backends, indexing, tasks
from search.core import SearchUnavailable, Viewer
from search.models import PendingIndex
from search.params import parse_query
from tests.factories import Personas

pytestmark = pytest.mark.django_db
BODY = "第一章　总则\n第一条　为了加强党员教育管理，制定本规定。\n第二条　党支部应当定期组织党员学习党内法规。\n"
UNAVAILABLE = "搜索服务暂时不可用，请稍后再试。"


class RecordingNode(BaseNode):
    """An Elasticsearch node that answers like a healthy empty cluster and records every request;
    while ``down`` it refuses connections as a stopped server would."""

    _CLIENT_META_HTTP_CLIENT = ("rec", "1.0")
    down: ClassVar[bool] = False
    requests: ClassVar[list[tuple[str, str, bytes]]] = []
    refused: ClassVar[int] = 0

    def perform_request(self, method: str, target: str, body: bytes | None = None, headers: Any = None,
                        request_timeout: Any = None) -> NodeApiResponse:
        if RecordingNode.down:
            RecordingNode.refused += 1
            raise TransportConnectionError("[Errno 111] Connection refused")
        RecordingNode.requests.append((method, target, body or b""))
        answer: Any = {"acknowledged": True}
        if target.startswith("/_alias/") and method == "GET":
            alias = target.split("/")[2]
            answer = {f"{alias}-1": {"aliases": {alias: {}}}}
        elif target.startswith("/_bulk") or "/_bulk" in target:
            answer = {"took": 1, "errors": False,
                      "items": [{op: {"_id": meta.get("_id"), "status": 200}} for op, meta, _src in bulk_lines(body)]}
        elif target.split("?")[0].endswith("/_search"):
            answer = {"hits": {"total": {"value": 0}, "hits": []}, "aggregations": {}}
        meta = ApiResponseMeta(status=200, http_version="1.1", duration=0.0, node=self.config,
                               headers=HttpHeaders({"x-elastic-product": "Elasticsearch",
                                                    "content-type": "application/json"}))
        return NodeApiResponse(meta, b"" if method == "HEAD" else json.dumps(answer).encode())

    @classmethod
    def reset(cls) -> None:
        cls.down, cls.requests, cls.refused = False, [], 0

    @classmethod
    def bulk(cls) -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
        return [line for method, target, body in cls.requests if "/_bulk" in target for line in bulk_lines(body)]


def bulk_lines(body: bytes | None) -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    lines = [json.loads(line) for line in (body or b"").decode().splitlines() if line.strip()]
    out: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
    while lines:
        action = lines.pop(0)
        op = next(iter(action))
        source = lines.pop(0) if op in {"index", "create", "update"} else None
        out.append((op, action[op], source))
    return out


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def engine(settings: Any) -> Iterator[Any]:
    """The Elasticsearch backend talking to a RecordingNode."""
    from elasticsearch import Elasticsearch

    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9200"
    settings.SEARCH_ES_RETRY_SECONDS = 60
    backends._backend = None
    RecordingNode.reset()
    backend = backends.get_backend()
    backend._client = Elasticsearch(settings.ELASTICSEARCH_URL, node_class=RecordingNode)  # type: ignore[attr-defined]
    yield backend
    backends._backend = None
    RecordingNode.reset()


@pytest.fixture
def run_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Indexing tasks run in-process when sent, with Celery's own retries (eager)."""
    for task in (tasks.index_page, tasks.remove_page):
        monkeypatch.setattr(task, "delay", lambda page_id, _task=task: _task.apply(args=(page_id,)))


def publish_document(title: str) -> PolicyDocumentPage:
    page = PolicyDocumentPage(title=title, body=BODY, category="规定", issue_date=dt.date(2024, 1, 1), live=False)
    ensure_site_pages().library.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_it_says_clearly_on_the_page_and_in_the_api_that_search_is_unavailable(
        personas: Personas, client_for: Any, settings: Any) -> None:
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    settings.SEARCH_ES_TIMEOUT = 1
    backends._backend = None
    client = client_for(personas.member.user)
    page = client.get("/search/", {"q": "廉洁自律"})
    assert page.status_code == 503
    text = page.content.decode()
    assert UNAVAILABLE in text and "Connection" not in text and 'name="q"' in text  # the form is still there
    api = client.get("/api/v1/search/", {"q": "廉洁自律"})
    assert api.status_code == 503
    assert api.json() == {"detail": UNAVAILABLE, "code": "search_unavailable"}
    backends._backend = None


def test_it_answers_at_once_while_the_engine_is_known_to_be_down(engine: Any) -> None:
    RecordingNode.down = True
    with pytest.raises(SearchUnavailable):
        engine.search(parse_query({"q": "廉洁"}), Viewer())
    refused = RecordingNode.refused
    assert refused >= 1
    started = time.monotonic()
    for _ in range(3):
        with pytest.raises(SearchUnavailable):
            engine.search(parse_query({"q": "廉洁"}), Viewer())
    assert RecordingNode.refused == refused and time.monotonic() - started < 1  # not even tried
    RecordingNode.down = False
    engine.down_until = 0.0  # SEARCH_ES_RETRY_SECONDS later
    assert engine.search(parse_query({"q": "廉洁"}), Viewer()).total == 0


def test_it_delivers_the_indexing_missed_during_an_outage_once_the_engine_answers(
        personas: Personas, engine: Any, run_tasks: None, django_capture_on_commit_callbacks: Any,
        settings: Any) -> None:
    settings.SEARCH_ES_RETRY_SECONDS = 0  # every retry really tries (and is refused)
    with django_capture_on_commit_callbacks(execute=True):
        gone = publish_document("党员发展工作细则")
    assert any(op == "index" and meta["_id"] == f"document:{gone.pk}" for op, meta, _ in RecordingNode.bulk())

    RecordingNode.down = True
    with django_capture_on_commit_callbacks(execute=True):
        new = publish_document("党员教育管理规定")
        Page.objects.get(pk=gone.pk).unpublish()
    assert RecordingNode.refused >= 2 * (tasks.index_page.max_retries + 1)  # every retry was made, in vain
    assert set(PendingIndex.objects.values_list("page_id", flat=True)) == {new.pk, gone.pk}
    assert "ConnectionError" in PendingIndex.objects.get(page_id=new.pk).reason

    sent_before = len(RecordingNode.bulk())
    RecordingNode.down = False
    out = StringIO()
    call_command("search_index", "--catch-up", stdout=out)
    assert "caught up 2 pages" in out.getvalue()
    delivered = RecordingNode.bulk()[sent_before:]
    indexed = {meta["_id"]: source or {} for op, meta, source in delivered if op == "index"}
    assert indexed[f"document:{new.pk}"]["title"] == "党员教育管理规定"
    assert any("定期组织党员学习" in p["text"] for p in indexed[f"document:{new.pk}"]["passages"])
    assert ("delete", f"document:{gone.pk}") in {(op, meta["_id"]) for op, meta, _ in delivered}
    assert not PendingIndex.objects.exists()
    assert tasks.catch_up_index.apply().get() == 0  # the beat task finds nothing left


def test_it_keeps_the_page_when_the_engine_at_a_closed_port_refuses_and_says_so(personas: Personas,
                                                                                settings: Any) -> None:
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    settings.SEARCH_ES_TIMEOUT = 1
    settings.SEARCH_ES_RETRY_SECONDS = 0
    backends._backend = None
    page = publish_document("党员教育管理规定")
    with pytest.raises(SearchUnavailable):
        indexing.index_page_or_remember(page.pk)
    with pytest.raises(CommandError, match=r"unavailable.*1 still waiting"):
        call_command("search_index", "--catch-up", stdout=StringIO())
    assert PendingIndex.objects.get(page_id=page.pk).attempts == 2
    backends._backend = None
