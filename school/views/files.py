"""Wagtail documents, served so that an uploaded file can never act as a page of this site.

Wagtail's view checks the id and file name (no path from the user reaches the file system), streams
the file, and sends ``X-Content-Type-Options: nosniff`` and ``Content-Security-Policy: default-src
'none'``. This wrapper also makes every type except PDF and plain text an attachment (an .html or
.svg that got into the library some other way downloads instead of rendering) and sandboxes it.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from wagtail.documents.views.serve import serve

from school.security.csp import SANDBOX_POLICY

INLINE_TYPES = ("application/pdf", "text/plain")


def serve_document(request: HttpRequest, document_id: int, document_filename: str) -> HttpResponseBase:
    response = serve(request, document_id, document_filename)
    if response.status_code != 200:
        return response
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
