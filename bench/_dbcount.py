"""Counts the database writes a request makes: a middleware installed only when COURSES_COUNT_DB_WRITES is on
(bench/heartbeat.py turns it on).

The count is returned in the ``X-DB-Writes`` response header; ``bench/heartbeat.py`` sums it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class CountWritesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = [0]

        def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            if sql.lstrip()[:7].upper().startswith(_WRITES):
                count[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(wrapper):
            response = self.get_response(request)
        response["X-DB-Writes"] = str(count[0])
        return response
