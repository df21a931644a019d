from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from search.backends import SearchBackend, get_backend

BACKENDS = ["embedded", "elasticsearch"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, settings: Any, db: None) -> Iterator[SearchBackend]:
    """Each backend-agnostic test runs on the embedded backend, and on Elasticsearch when
    ELASTICSEARCH_URL is set (indices under a throwaway prefix, deleted afterwards)."""
    if request.param == "elasticsearch":
        url = os.environ.get("ELASTICSEARCH_URL")
        if not url:
            pytest.skip("ELASTICSEARCH_URL is not set: the Elasticsearch run of this test needs a server")
        settings.ELASTICSEARCH_URL = url
        settings.SEARCH_ES_PREFIX = f"test-{uuid.uuid4().hex[:8]}"
        engine = get_backend()
        engine.refresh = "wait_for"  # type: ignore[attr-defined]
        yield engine
        engine.drop_all()  # type: ignore[attr-defined]
    else:
        settings.ELASTICSEARCH_URL = None
        yield get_backend()
