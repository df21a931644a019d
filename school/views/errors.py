"""Error pages: the member site gets a Chinese (translatable) page, the JSON API a JSON body; neither
ever shows a traceback or a setting (production refuses DEBUG, see school/settings/production.py).

A lost or refused database connection (``OperationalError``/``InterfaceError``: a terminated backend, a
restart, SQLite's "database is locked") is not a bug: the 500 handler answers 503 with ``Retry-After``
and code ``database_unavailable``. Services write in one transaction each, so the interrupted request
changed nothing; Django drops the broken connection at the end of the request and the next one connects
again. Nothing here touches the database."""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

_MESSAGES = {
    400: ("bad_request", "The request could not be understood."),
    403: ("permission_denied", "You do not have permission to do this."),
    404: ("not_found", "The page was not found."),
    500: ("server_error", "Something went wrong on our side. Please try again later."),
    503: ("database_unavailable", "The service is briefly unavailable (the database connection was lost). "
                                  "This action was not completed; please try again in a moment."),
}
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _respond(request: HttpRequest, status: int, *, render_with_request: bool = True,
             message: str | None = None) -> HttpResponse:
    code, default = _MESSAGES[status]
    detail = message or _(default)
    if _is_api(request):
        return JsonResponse({"detail": detail, "code": code}, status=status, json_dumps_params={"ensure_ascii": False})
    template = loader.get_template(f"errors/{status}.html")
    # 500: no request context, so that context processors (database, session) cannot fail again.
    html = template.render({"detail": detail, "status": status}, request if render_with_request else None)
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        response = _respond(request, 503, render_with_request=False)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _respond(request, 500, render_with_request=False)


def csrf_failure(request: HttpRequest, reason: str = "", **kwargs: Any) -> HttpResponse:
    log.warning("CSRF failure on %s: %s", request.path, reason)
    return _respond(request, 403, message=_("The form has expired or was sent from another site. "
                                            "Reload the page and try again."))
