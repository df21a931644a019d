"""The one entry point views, the API and commands use to search: validated parameters and a user in,
``SearchResults`` out, with engine failures turned into a message instead of an error page."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from .access import viewer_for
from .backends import get_backend
from .core import SearchQuery, SearchResults, SearchUnavailable
from .params import parse_query

logger = logging.getLogger(__name__)


def run_search(query: SearchQuery, user: Any) -> SearchResults:
    """Raises ``SearchUnavailable`` with the member's message when the engine cannot answer (the
    engine's own words go to the log)."""
    try:
        return get_backend().search(query, viewer_for(user))
    except SearchUnavailable as exc:
        logger.warning("search unavailable for %r: %s", query.q, exc)
        raise SearchUnavailable(_("Search is unavailable at the moment; please try again later.")) from exc
    except Exception as exc:  # a driver error must not become a 500 for the member
        logger.exception("search failed for %r", query.q)
        raise SearchUnavailable(_("Search is unavailable at the moment; please try again later.")) from exc


def search_params(params: Mapping[str, Any], user: Any) -> SearchResults:
    """``parse_query`` + ``run_search`` (``InvalidSearch`` and ``SearchUnavailable`` propagate)."""
    return run_search(parse_query(params), user)
