"""Structured logs: one JSON object per line when ``LOG_FORMAT=json`` (docs/operations.md).

Every record carries the request id and the user id of the request it belongs to (``RequestLogMiddleware``),
or the task id and task name of the Celery task that wrote it (``connect_celery_logging``). The user is
always an id: names, usernames and ID numbers never go into these fields. Each request ends with one
``school.requests`` line (method, path without the query string, status, duration in ms); each task with
one ``school.tasks`` line (task, task id, outcome, duration in ms).

The request id comes from the ``X-Request-ID`` header when the web server sets one (deploy/nginx: nginx's
``$request_id``, which is also in its access log), else it is made here; the response carries it back.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
user_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)
task_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_id", default=None)
task_name_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_name", default=None)

requests_logger = logging.getLogger("school.requests")
tasks_logger = logging.getLogger("school.tasks")

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Fields a record may carry (from the context or ``extra=``) that the JSON line keeps.
FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms", "task_id", "task", "outcome")


class ContextFilter(logging.Filter):
    """Adds the current request's and task's ids to every record (unless the record has its own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in (("request_id", request_id_var), ("user_id", user_id_var), ("task_id", task_id_var),
                          ("task", task_name_var)):
            if getattr(record, name, None) is None:
                value = var.get()
                if value is not None:
                    setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return int(user.pk)


class RequestLogMiddleware:
    """Outermost middleware: the request id for every log line of the request, and one line at the end."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex
        request_token = request_id_var.set(request_id)
        user_token = user_id_var.set(None)
        started = time.monotonic()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            user_id = _user_id(request)
            requests_logger.info(
                "%s %s %s", request.method, request.path, status,
                extra={"request_id": request_id, "user_id": user_id, "method": request.method, "path": request.path,
                       "status": status, "duration_ms": round((time.monotonic() - started) * 1000, 1)})
            request_id_var.reset(request_token)
            user_id_var.reset(user_token)


class UserContextMiddleware:
    """After AuthenticationMiddleware: every line written while the view runs carries the user id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user_id_var.set(_user_id(request))
        return self.get_response(request)


_task_started: dict[str, float] = {}


def _task_prerun(task_id: str | None = None, task: Any = None, **_kwargs: Any) -> None:
    task_id_var.set(task_id)
    task_name_var.set(getattr(task, "name", None))
    if task_id:
        _task_started[task_id] = time.monotonic()


def _task_postrun(task_id: str | None = None, task: Any = None, state: str | None = None, **_kwargs: Any) -> None:
    started = _task_started.pop(task_id or "", None)
    outcome = {"SUCCESS": "success", "FAILURE": "failure", "RETRY": "retry"}.get(str(state), str(state).lower())
    level = logging.WARNING if outcome in {"failure", "retry"} else logging.INFO
    name = getattr(task, "name", None)
    tasks_logger.log(level, "task %s %s", name, outcome,
                     extra={"task_id": task_id, "task": name, "outcome": outcome,
                            "duration_ms": None if started is None else round((time.monotonic() - started) * 1000, 1)})
    task_id_var.set(None)
    task_name_var.set(None)


def connect_celery_logging(json_lines: bool) -> None:
    """Called by school/celery.py: task lines for every worker; with JSON lines, Celery keeps Django's
    LOGGING (its own set-up would replace the handlers with its text format)."""
    from celery import signals

    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="school.logs.task_prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="school.logs.task_postrun")
    if json_lines:
        signals.setup_logging.connect(_keep_django_logging, weak=False, dispatch_uid="school.logs.setup_logging")


def _keep_django_logging(**_kwargs: Any) -> None:
    """Connected to Celery's setup_logging: Django's LOGGING (configured at django.setup()) stays."""
