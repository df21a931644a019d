"""The search engine's check for ``/ready/`` and ``check_services`` (school.readiness, READINESS_CHECKS)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from school.readiness import ERROR, OK, TIMEOUT_SECONDS, Check

from .models import PendingIndex, SearchEntry


def check_search_engine() -> Check:
    pending = PendingIndex.objects.count()
    if not settings.ELASTICSEARCH_URL:
        SearchEntry.objects.exists()
        return Check("search", OK, _("The embedded search engine (database) answers; %(pending)s pages wait to "
                                     "be indexed.") % {"pending": pending})
    from .backends.elastic import ElasticsearchBackend

    client: Any = ElasticsearchBackend(settings.ELASTICSEARCH_URL).client
    try:
        health = client.options(request_timeout=TIMEOUT_SECONDS).cluster.health()
    except Exception as exc:
        return Check("search", ERROR, _("Elasticsearch does not answer (%(error)s): searches fail, %(pending)s "
                                        "pages wait to be indexed.") % {"error": type(exc).__name__,
                                                                        "pending": pending})
    color = str(health.get("status", "red"))
    if color == "red":
        return Check("search", ERROR, _("The Elasticsearch cluster is red: some indices are unavailable."))
    return Check("search", OK, _("Elasticsearch answers (cluster %(color)s); %(pending)s pages wait to be "
                                 "indexed.") % {"color": color, "pending": pending})
