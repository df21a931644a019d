"""Wagtail documents, served so that an uploaded file can never act as a page of this site.

Wagtail's view checks the id and file name (no path from the user reaches the file system), streams
the file, and sends ``X-Content-Type-Options: nosniff`` and ``Content-Security-Policy: default-src
'none'``. This wrapper also makes every type except PDF and plain text an attachment (an .html or
.svg that got into the library some other way downloads instead of rendering) and sandboxes it.

The bytes come from school.protected_files (``SENDFILE_BACKEND``): streamed in development, sent by
nginx through ``X-Accel-Redirect`` in production, like every other protected file.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from wagtail.documents.views.serve import serve

from school.security.csp import SANDBOX_POLICY

INLINE_TYPES = ("application/pdf", "text/plain")


def serve_document(request: HttpRequest, document_id: int, document_filename: str) -> HttpResponseBase:
    response = serve(request, document_id, document_filename)
    if response.status_code != 200:
        return response
    if response.get("Content-Encoding") in ("None", ""):  # Wagtail's sendfile sets the guessed encoding, often none
        del response["Content-Encoding"]
    if response.has_header(str(getattr(settings, "MEDIA_ACCEL_REDIRECT_HEADER", "X-Accel-Redirect"))) and getattr(
            settings, "MEDIA_ACCEL_REDIRECT_PREFIX", ""):
        del response["Content-Length"]  # the body is empty; the web server sends the file and its length
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in INLINE_TYPES:
        disposition = response.get("Content-Disposition", "")
        if not disposition.startswith("attachment"):
            response["Content-Disposition"] = "attachment" + disposition[len("inline"):] if disposition else "attachment"
        response["Content-Security-Policy"] = SANDBOX_POLICY
    else:
        response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
