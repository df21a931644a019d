"""API errors are JSON ``{"detail": ..., "code": ...}`` with messages in the user's language; invalid input
also carries ``errors``, the messages per field (documented as ``school.api.schema.ErrorSerializer``)."""

from typing import Any

from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _first(detail: Any, path: tuple[str, ...] = ()) -> tuple[tuple[str, ...], ErrorDetail | None]:
    """The first message of a (nested) validation error and the field path leading to it."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            found = _first(value, (*path, str(key)))
            if found[1] is not None:
                return found
    elif isinstance(detail, list):
        for value in detail:
            found = _first(value, path)
            if found[1] is not None:
                return found
    elif isinstance(detail, str):
        return path, detail if isinstance(detail, ErrorDetail) else ErrorDetail(detail, "invalid")
    return path, None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" in data:
        detail = data["detail"]
        response.data = {"detail": str(detail), "code": getattr(detail, "code", "error")}
    elif isinstance(exc, ValidationError):
        path, first = _first(exc.detail)
        fields = [p for p in path if p != "non_field_errors"]
        message = str(first) if first is not None else str(exc.default_detail)
        response.data = {"detail": f"{'.'.join(fields)}: {message}" if fields else message,
                         "code": getattr(first, "code", None) or "invalid",
                         "errors": data if isinstance(data, dict) else {"non_field_errors": data}}
    return response

