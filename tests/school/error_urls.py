"""URLconf for tests/school/test_security_errors.py: the project's URLs plus views that fail."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from school.urls import handler400, handler403, handler404, handler500
from school.urls import urlpatterns as project_urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret detail: SECRET_KEY=" + "x" * 10)


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("internal reason")


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("internal reason")


urlpatterns = [
    path("boom/", boom),
    path("api/v1/boom/", boom),
    path("forbidden/", forbidden),
    path("api/v1/forbidden/", forbidden),
    path("suspicious/", suspicious),
    *project_urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
