"""The project's 500 handler: a lost database connection (or a database that is down or locked)
answers 503 with a message in the user's language — JSON ``{"detail", "code": "database_unavailable"}``
under /api/, a small page elsewhere — instead of a generic error. Services write in one transaction
each, so the interrupted request changed nothing; Django drops the broken connection at the end of the
request and the next one connects again. Nothing here touches the database."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def database_unavailable(request: HttpRequest) -> HttpResponse:
    message = _("The service is briefly unavailable (the database connection was lost). "
                "This action was not completed; please try again in a moment.")
    response: HttpResponse
    if _is_api(request):
        response = JsonResponse({"detail": message, "code": "database_unavailable"}, status=503)
    else:
        response = HttpResponse(render_to_string("errors/unavailable.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS):
        return database_unavailable(request)
    if _is_api(request):
        return JsonResponse({"detail": _("An unexpected error occurred; please try again later."),
                             "code": "server_error"}, status=500)
    return defaults.server_error(request, template_name)
