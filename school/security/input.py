"""Input that no database column can hold, refused in one place before any view sees it.

PostgreSQL refuses NUL in text, and no UTF-8 encoder (psycopg, SQLite, the Excel writer) accepts a lone
surrogate: either reaching a lookup or a write is a 500. ``RefuseBadInputMiddleware`` answers a path holding one
with 404 and a query string or form body holding one with 400; JSON bodies go through
``school.api.parsers.JSONParser``, which uses ``json_problem`` below (also refusing deep nesting and integers
beyond 64 bits)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from school.converters import ID_MAX

BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")
# Deepest nesting of arrays and objects a JSON body may have (the API's deepest body has 3 levels).
MAX_JSON_DEPTH = 32
INT_MIN, INT_MAX = -ID_MAX - 1, ID_MAX
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_bad_character(text: str) -> bool:
    return BAD_CHARACTER.search(text) is not None


def too_deep_message() -> str:
    return _("The JSON body is nested too deeply (at most %(depth)d levels).") % {"depth": MAX_JSON_DEPTH}


def json_problem(value: Any) -> str | None:
    """Why a parsed JSON value cannot be accepted (a translated message), or None. Iterative: depth is counted,
    never recursed into."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return too_deep_message()
            children: Iterable[Any] = item
            if isinstance(item, dict):
                if any(has_bad_character(key) for key in item):
                    return _("The request contains a NUL character or an invalid Unicode character.")
                children = item.values()
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, str):
            if has_bad_character(item):
                return _("The request contains a NUL character or an invalid Unicode character.")
        elif isinstance(item, int) and not isinstance(item, bool) and not INT_MIN <= item <= INT_MAX:
            return _("A number in the request is too large.")
    return None


def _query_or_form_is_bad(request: HttpRequest) -> bool:
    pairs: list[tuple[str, list[str]]] = list(request.GET.lists())
    # Not the JSON API's bodies: DRF refuses form bodies there (415), and reading them here first would make DRF
    # see an empty body instead (its parser then finds the stream consumed).
    if request.method == "POST" and request.content_type in FORM_TYPES and not request.path_info.startswith("/api/"):
        pairs += list(request.POST.lists())
    return any(has_bad_character(key) or any(has_bad_character(v) for v in values) for key, values in pairs)


class RefuseBadInputMiddleware:
    """404 for a path, 400 for a query parameter or form field (name or value) holding NUL or a lone surrogate."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from school.views.errors import bad_request, page_not_found

        if has_bad_character(request.path_info):
            return page_not_found(request)
        if _query_or_form_is_bad(request):
            return bad_request(request)
        return self.get_response(request)
