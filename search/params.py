"""Turns request parameters into a validated ``SearchQuery``; every refusal carries a Chinese message
(through gettext) naming the parameter, so the page and the API can show it as it is."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from .core import CONTENT_TYPES, ORDERS, VALIDITIES, SearchQuery

MAX_QUERY_CHARS = 100  # longer input is cut: nobody remembers a phrase longer than this
MAX_FILTER_CHARS = 100
MAX_PAGE = 1000
MAX_PAGE_SIZE = 50
DEFAULT_PAGE_SIZE = 10
MIN_YEAR, MAX_YEAR = 1900, 2100


class InvalidSearch(ValueError):
    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


def clean_text(value: str, limit: int) -> str:
    """NFKC, control characters dropped, whitespace collapsed, cut to ``limit`` characters."""
    value = unicodedata.normalize("NFKC", value)
    value = "".join(" " if unicodedata.category(ch).startswith("C") or ch.isspace() else ch for ch in value)
    return " ".join(value.split())[:limit].strip()


def _get(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name, "")
    if isinstance(value, list):  # QueryDict.get returns the last value; plain dicts may hold lists
        value = value[-1] if value else ""
    return str(value) if value is not None else ""


def _int(params: Mapping[str, Any], name: str, default: int | None, low: int, high: int, message: str) -> int | None:
    raw = _get(params, name).strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidSearch(name, message) from None
    if not low <= value <= high:
        raise InvalidSearch(name, message)
    return value


def parse_query(params: Mapping[str, Any]) -> SearchQuery:
    q = clean_text(_get(params, "q"), MAX_QUERY_CHARS)
    category = clean_text(_get(params, "category"), MAX_FILTER_CHARS + 1)
    issuer = clean_text(_get(params, "issuer"), MAX_FILTER_CHARS + 1)
    for name, label, value in (("category", _("Category"), category), ("issuer", _("Issuing body"), issuer)):
        if len(value) > MAX_FILTER_CHARS:
            raise InvalidSearch(name, _("The filter “%(name)s” is too long.") % {"name": label})
    validity = _get(params, "validity").strip()
    if validity and validity not in VALIDITIES:
        raise InvalidSearch("validity", _("Unknown validity status; use one of: %(values)s.")
                            % {"values": ", ".join(VALIDITIES)})
    content_type = _get(params, "type").strip()
    if content_type and content_type not in CONTENT_TYPES:
        raise InvalidSearch("type", _("Unknown content type; use one of: %(values)s.")
                            % {"values": ", ".join(CONTENT_TYPES)})
    order = _get(params, "order").strip() or "relevance"
    if order not in ORDERS:
        raise InvalidSearch("order", _("Unknown order; use relevance or date."))
    year_message = _("A year must be a whole number between %(low)s and %(high)s.") % {"low": MIN_YEAR, "high": MAX_YEAR}
    year_from = _int(params, "year_from", None, MIN_YEAR, MAX_YEAR, year_message)
    year_to = _int(params, "year_to", None, MIN_YEAR, MAX_YEAR, year_message)
    if year_from and year_to and year_from > year_to:
        raise InvalidSearch("year_from", _("The start year must not be after the end year."))
    page = _int(params, "page", 1, 1, MAX_PAGE,
                _("The page number must be a whole number between 1 and %(max)s.") % {"max": MAX_PAGE})
    page_size = _int(params, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE,
                     _("The page size must be a whole number between 1 and %(max)s.") % {"max": MAX_PAGE_SIZE})
    assert page is not None and page_size is not None
    return SearchQuery(q=q, category=category, issuer=issuer, year_from=year_from, year_to=year_to,
                       validity=validity, content_type=content_type, order=order, page=page, page_size=page_size)
