"""The search engine's check for ``/ready/`` and ``check_services`` (school.readiness, READINESS_CHECKS):
it says which part of talking to Elasticsearch fails — the TLS certificate, the credentials, the
connection, or the analysis plugin ``SEARCH_ES_ANALYZER`` needs."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from school.readiness import ERROR, OK, TIMEOUT_SECONDS, Check

from .models import PendingIndex, SearchEntry


def problem_text(kind: str, error: BaseException) -> str:
    texts = {
        "tls": _("the TLS check of its certificate fails: set SEARCH_ES_CA_CERTS to the cluster's CA file "
                 "(http_ca.crt) or SEARCH_ES_SSL_FINGERPRINT to its certificate's SHA-256 fingerprint"),
        "authentication": _("it refuses the credentials: check SEARCH_ES_API_KEY, or SEARCH_ES_USERNAME and "
                            "SEARCH_ES_PASSWORD"),
        "authorization": _("the credentials lack a privilege on the %(prefix)s-* indices") % {
            "prefix": settings.SEARCH_ES_PREFIX},
        "timeout": _("it does not answer in time"),
        "connection": _("it cannot be reached"),
        "plugin": str(error),
    }
    return texts.get(kind, type(error).__name__)


def check_search_engine() -> Check:
    pending = PendingIndex.objects.count()
    if not settings.ELASTICSEARCH_URL:
        SearchEntry.objects.exists()
        return Check("search", OK, _("The embedded search engine (database) answers; %(pending)s pages wait to "
                                     "be indexed.") % {"pending": pending})
    from .backends.elastic.backend import ElasticsearchBackend, failure_kind

    backend = ElasticsearchBackend(settings.ELASTICSEARCH_URL)
    backend._client = backend.client.options(request_timeout=TIMEOUT_SECONDS, max_retries=0)
    try:
        health = backend.client.cluster.health()
        backend.check_analyzer()
    except Exception as exc:
        return Check("search", ERROR, _("Elasticsearch fails (%(problem)s): searches fail, %(pending)s pages "
                                        "wait to be indexed.") % {"problem": problem_text(failure_kind(exc), exc),
                                                                  "pending": pending})
    color = str(health.get("status", "red"))
    if color == "red":
        return Check("search", ERROR, _("The Elasticsearch cluster is red: some indices are unavailable."))
    return Check("search", OK, _("Elasticsearch answers (cluster %(color)s); %(pending)s pages wait to be "
                                 "indexed.") % {"color": color, "pending": pending})
