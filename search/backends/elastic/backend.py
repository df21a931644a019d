"""The Elasticsearch backend: two aliases (``<prefix>-documents``, ``<prefix>-courses``), each in front
of a versioned index. ``rebuild`` creates new indices, bulk-loads them and swaps both aliases in one
``update_aliases`` call, so searches never see an empty or half-built index."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.utils import timezone

from ...core import SearchDocument, SearchQuery, SearchResults, SearchUnavailable, Viewer
from ...query import understand
from .documents import CourseDoc, PolicyDocumentDoc, analysis, to_es
from .queries import build_search, read_response

logger = logging.getLogger(__name__)

RETRY_STATUS = (429, 502, 503, 504)  # bulk items and requests worth retrying: queue full, node restarting
KINDS = {"documents": PolicyDocumentDoc, "courses": CourseDoc}


def kind_of(content_type: str) -> str:
    return "documents" if content_type == "document" else "courses"


def index_body(kind: str, analyzer: str) -> dict[str, Any]:
    return {"settings": {"number_of_shards": 1, "analysis": analysis(analyzer)},
            "mappings": KINDS[kind]._doc_type.mapping.to_dict()}


def bulk_actions(docs: Iterable[SearchDocument], targets: dict[str, str]) -> Iterator[dict[str, Any]]:
    """``index`` actions; ``targets`` maps a kind ("documents"/"courses") to the index or alias to write."""
    for doc in docs:
        yield {"_op_type": "index", "_index": targets[kind_of(doc.content_type)], "_id": doc.key,
               "_source": to_es(doc).to_dict(skip_empty=False)}


def delete_actions(keys: Iterable[str], targets: dict[str, str]) -> Iterator[dict[str, Any]]:
    for key in keys:
        yield {"_op_type": "delete", "_index": targets[kind_of(key.split(":", 1)[0])], "_id": key}


def alias_actions(alias: str, old: list[str], new: str) -> list[dict[str, Any]]:
    return [*({"remove": {"index": name, "alias": alias}} for name in old), {"add": {"index": new, "alias": alias}}]


def client_options() -> dict[str, Any]:
    """The client's keyword arguments from the settings: timeout, how to trust the cluster's certificate
    (a CA file, or the SHA-256 fingerprint of the certificate), and credentials (an API key, or a user
    and password). Credentials may also be in the URL (``https://user:password@host:9200``)."""
    options: dict[str, Any] = {"request_timeout": settings.SEARCH_ES_TIMEOUT}
    if settings.SEARCH_ES_CA_CERTS:
        options["ca_certs"] = settings.SEARCH_ES_CA_CERTS
    if settings.SEARCH_ES_SSL_FINGERPRINT:
        options["ssl_assert_fingerprint"] = settings.SEARCH_ES_SSL_FINGERPRINT
    if settings.SEARCH_ES_API_KEY:
        options["api_key"] = settings.SEARCH_ES_API_KEY
    elif settings.SEARCH_ES_USERNAME:
        options["basic_auth"] = (settings.SEARCH_ES_USERNAME, settings.SEARCH_ES_PASSWORD)
    return options


def failure_kind(exc: BaseException) -> str:
    """Which part of talking to the cluster failed: "tls", "authentication", "authorization", "timeout",
    "connection", "plugin" or "error" (for ``check_services`` and the logs)."""
    from elastic_transport import ConnectionError as TransportConnectionError
    from elastic_transport import ConnectionTimeout, TlsError
    from elasticsearch import AuthenticationException, AuthorizationException

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, AnalysisPluginMissing):
            return "plugin"
        if isinstance(seen, TlsError):
            return "tls"
        if isinstance(seen, AuthenticationException):
            return "authentication"
        if isinstance(seen, AuthorizationException):
            return "authorization"
        if isinstance(seen, ConnectionTimeout):
            return "timeout"
        if isinstance(seen, TransportConnectionError):
            return "connection"
        seen = seen.__cause__
    return "error"


class AnalysisPluginMissing(SearchUnavailable):
    """SEARCH_ES_ANALYZER names an analysis plugin the cluster does not have."""


# SEARCH_ES_ANALYZER -> the tokenizers it uses and the Elasticsearch plugin that provides them
PLUGINS: dict[str, tuple[tuple[str, ...], str]] = {
    "smartcn": (("smartcn_tokenizer",), "analysis-smartcn"),
    "ik": (("ik_max_word", "ik_smart"), "analysis-ik"),
}


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = settings.SEARCH_ES_PREFIX
        self.analyzer = settings.SEARCH_ES_ANALYZER
        self.refresh: bool | str = False  # tests set "wait_for" to search right after writing
        self._client: Any = None
        self.down_until = 0.0  # monotonic time until which the cluster is taken to be down
        self.down_reason = ""
        self.analyzer_checked = False
        self.aliases_ready = False  # this process has seen both aliases exist

    @property
    def client(self) -> Any:
        if self._client is None:
            from elasticsearch import Elasticsearch

            self._client = Elasticsearch(self.url, **client_options())
        return self._client

    def alias(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"

    def _call(self, fn: Any, *args: Any, guard: bool = False, trip: bool = True, **kwargs: Any) -> Any:
        """Engine failures become ``SearchUnavailable``. A cluster that cannot be reached (connection refused,
        TLS, credentials, 5xx/429) is taken to be down for ``SEARCH_ES_RETRY_SECONDS``: searches (``guard``)
        then fail at once instead of waiting for the timeout again. A timeout (one slow request) does not
        take it down, and writes always try (the indexing tasks' retries are real attempts)."""
        from elastic_transport import ConnectionTimeout
        from elasticsearch import ApiError, AuthenticationException, AuthorizationException, TransportError

        if guard and time.monotonic() < self.down_until:
            raise SearchUnavailable(self.down_reason)
        try:
            result = fn(*args, **kwargs)
        except ConnectionTimeout as exc:
            logger.warning("search: Elasticsearch timed out (%s)", exc)
            raise SearchUnavailable(f"timeout: {exc}") from exc
        except TransportError as exc:  # connection refused, TLS failure: retry later
            raise self._down(exc, trip) from exc
        except (AuthenticationException, AuthorizationException) as exc:  # credentials: an operator's fix
            raise self._down(exc, trip) from exc
        except ApiError as exc:
            if getattr(exc, "status_code", 500) >= 500 or getattr(exc, "status_code", 0) == 429:
                raise self._down(exc, trip) from exc
            raise
        self.down_until = 0.0
        return result

    def _down(self, exc: Exception, trip: bool = True) -> SearchUnavailable:
        self.down_reason = f"{failure_kind(exc)}: {type(exc).__name__}: {exc}"
        if trip:
            self.down_until = time.monotonic() + settings.SEARCH_ES_RETRY_SECONDS
        logger.warning("search: Elasticsearch unavailable (%s)", self.down_reason)
        return SearchUnavailable(self.down_reason)

    def check_analyzer(self) -> None:
        """Once per process: the tokenizers of ``SEARCH_ES_ANALYZER`` exist on the cluster (``indices.analyze``);
        if not, ``AnalysisPluginMissing`` names the plugin to install (and searches fail at once for
        ``SEARCH_ES_RETRY_SECONDS`` instead of asking again)."""
        from elasticsearch import BadRequestError

        if self.analyzer_checked or self.analyzer not in PLUGINS:
            return
        tokenizers, plugin = PLUGINS[self.analyzer]
        for tokenizer in tokenizers:
            try:
                self._call(self.client.indices.analyze, tokenizer=tokenizer, text="党员教育", trip=False)
            except SearchUnavailable as exc:
                if failure_kind(exc) != "authorization":
                    raise
                # a key without the privilege for the analyze API: index creation will still name the tokenizer
                logger.warning("search: cannot check SEARCH_ES_ANALYZER (%s); grant the cluster privilege "
                               "'monitor' to check it", exc)
                break
            except BadRequestError as exc:
                problem = AnalysisPluginMissing(
                    f"SEARCH_ES_ANALYZER={self.analyzer} needs the Elasticsearch plugin {plugin} (tokenizer "
                    f"{tokenizer} not found): install it on every node (bin/elasticsearch-plugin install {plugin}) "
                    f"and restart them, or set SEARCH_ES_ANALYZER=cjk")
                self.down_reason = f"plugin: {problem}"
                self.down_until = time.monotonic() + settings.SEARCH_ES_RETRY_SECONDS
                logger.error("search: %s", problem)
                raise problem from exc
        self.analyzer_checked = True

    def _indices_of(self, alias: str) -> list[str]:
        if not self._call(self.client.indices.exists_alias, name=alias):
            return []
        return sorted(self._call(self.client.indices.get_alias, name=alias).keys())

    def _create_index(self, kind: str) -> str:
        from elasticsearch import BadRequestError

        name = f"{self.alias(kind)}-{timezone.now():%Y%m%d%H%M%S%f}"
        try:
            self._call(self.client.indices.create, index=name, **index_body(kind, self.analyzer))
        except BadRequestError as exc:
            if "failed to find" in str(exc) and self.analyzer in PLUGINS:
                raise AnalysisPluginMissing(f"SEARCH_ES_ANALYZER={self.analyzer} needs the Elasticsearch plugin "
                                            f"{PLUGINS[self.analyzer][1]} ({exc})") from exc
            raise
        return name

    def ensure_aliases(self) -> None:
        """Once per process: each alias exists. A missing one is created with its first index in one request
        (``<alias>-0``, the alias as its write index); when two processes race, the second gets
        ``resource_already_exists_exception``, which means the same thing: the alias is there."""
        from elasticsearch import BadRequestError

        self.check_analyzer()
        if self.aliases_ready:
            return
        for kind in KINDS:
            alias = self.alias(kind)
            if self._call(self.client.indices.exists_alias, name=alias):
                continue
            body = index_body(kind, self.analyzer)
            try:
                self._call(self.client.indices.create, index=f"{alias}-0", aliases={alias: {"is_write_index": True}},
                           **body)
            except BadRequestError as exc:
                if getattr(exc, "error", "") != "resource_already_exists_exception":
                    raise
                if not self._call(self.client.indices.exists_alias, name=alias):  # an old <alias>-0 without it
                    self._call(self.client.indices.update_aliases, actions=[
                        {"add": {"index": f"{alias}-0", "alias": alias, "is_write_index": True}}])
        self.aliases_ready = True

    def _bulk(self, actions: Iterable[dict[str, Any]], load: bool = False, **kwargs: Any) -> int:
        """Sends ``actions`` with the helpers' ``streaming_bulk``, which retries items (and whole requests)
        answered 429 or 502-504 with exponential backoff. A delete answered 404 is done (nothing was there).
        Items still failing after that raise ``SearchUnavailable`` once the rest is written, so the task
        retries and the page is recorded for the catch-up; searches are not taken down by it. ``load``: the
        rebuild's bulk load, with its own timeout and chunk size, whose failure does not take searches down."""
        from elasticsearch.helpers import streaming_bulk

        written = 0
        failed: list[str] = []

        def run() -> None:
            nonlocal written
            client = self.client
            if load:
                client = client.options(request_timeout=settings.SEARCH_ES_REBUILD_TIMEOUT)
                kwargs.setdefault("chunk_size", settings.SEARCH_ES_REBUILD_CHUNK)
            for ok, item in streaming_bulk(client, actions, refresh=self.refresh, raise_on_error=False,
                                           raise_on_exception=True, retry_on_status=RETRY_STATUS,
                                           max_retries=settings.SEARCH_ES_BULK_RETRIES,
                                           initial_backoff=settings.SEARCH_ES_BULK_BACKOFF,
                                           max_backoff=max(settings.SEARCH_ES_BULK_BACKOFF, 60.0), **kwargs):
                (op, result), = item.items()
                if ok:
                    written += result.get("result") != "not_found"
                elif op == "delete" and result.get("status") == 404:
                    continue
                else:
                    error = result.get("error") or {}
                    reason = error.get("reason", "") if isinstance(error, dict) else str(error)
                    failed.append(f"{op} {result.get('_id')}: {result.get('status')} {reason}"[:300])

        try:
            self._call(run, trip=not load)
        except SearchUnavailable:
            self.aliases_ready = False  # look again next time (an index may have been deleted by hand)
            raise
        if failed:
            self.aliases_ready = False
            message = f"{len(failed)} bulk items failed ({'; '.join(failed[:3])})"
            logger.warning("search: %s", message)
            raise SearchUnavailable(message)
        return written

    def index(self, docs: Iterable[SearchDocument]) -> int:
        self.ensure_aliases()
        return self._bulk(bulk_actions(docs, {kind: self.alias(kind) for kind in KINDS}))

    def remove(self, keys: Iterable[str]) -> int:
        self.ensure_aliases()
        return self._bulk(delete_actions(keys, {kind: self.alias(kind) for kind in KINDS}))

    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """New indices, bulk-loaded, then both aliases swapped in one request and the old indices deleted.
        If anything fails before the swap, the new indices are deleted again (by name)."""
        self.check_analyzer()
        new: dict[str, str] = {}
        try:
            for kind in KINDS:
                new[kind] = self._create_index(kind)
            count = self._bulk(bulk_actions(docs, new), load=True)
            self._call(self.client.indices.refresh, index=list(new.values()), trip=False)
            old = {kind: self._indices_of(self.alias(kind)) for kind in KINDS}
            actions = [action for kind in KINDS for action in alias_actions(self.alias(kind), old[kind], new[kind])]
            self._call(self.client.indices.update_aliases, actions=actions)  # atomic: both aliases at once
        except BaseException:
            if new:
                try:
                    self._call(self.client.indices.delete, index=",".join(new.values()), ignore_unavailable=True,
                               trip=False)
                except Exception as exc:  # the cluster is gone: say what to delete by hand
                    logger.error("search: rebuild failed; delete the indices %s (%s)", ", ".join(new.values()), exc)
            raise
        for names in old.values():
            for name in names:
                self._call(self.client.indices.delete, index=name, ignore_unavailable=True)
        self.aliases_ready = True
        return count

    def indexed_versions(self) -> dict[str, dt.datetime | None]:
        from elasticsearch.helpers import scan

        self.ensure_aliases()
        out: dict[str, dt.datetime | None] = {}
        rows = self._call(lambda: list(scan(self.client, index=[self.alias(k) for k in KINDS],
                                            query={"query": {"match_all": {}}}, _source=["key", "updated_at"])))
        for row in rows:
            value = row["_source"].get("updated_at")
            out[row["_id"]] = dt.datetime.fromisoformat(value) if value else None
        return out

    def search(self, query: SearchQuery, viewer: Viewer) -> SearchResults:
        if time.monotonic() < self.down_until:  # known to be down: answer at once, try nothing
            raise SearchUnavailable(self.down_reason)
        self.ensure_aliases()
        plan = understand(query.q) if query.q else None  # file vocabulary plus the admin's terms
        s = build_search(query, viewer, [self.alias(kind) for kind in KINDS], plan)
        body = self._call(self.client.search, index=",".join(s._index or []), body=s.to_dict(), guard=True)
        return read_response(query, dict(body))

    def drop_all(self) -> None:
        """Deletes this prefix's indices (tests), by name: ES 8 refuses wildcard deletes by default
        (``action.destructive_requires_name``)."""
        patterns = ",".join(f"{self.alias(kind)}-*" for kind in KINDS)
        names = sorted(self._call(self.client.indices.get, index=patterns, expand_wildcards="all",
                                  allow_no_indices=True, ignore_unavailable=True))
        if names:
            self._call(self.client.indices.delete, index=",".join(names), ignore_unavailable=True)
        self.aliases_ready = False
