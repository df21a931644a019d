"""Wagtail image renditions (course covers, admin thumbnails) for logged-in users.

Nothing serves ``MEDIA_ROOT`` wholesale: ``/uploads/images/<name>`` answers only for a file that is a
rendition Wagtail made (a row of the renditions table names it), never for originals, imports,
videos or a path the user composed; only raster image types (SVG is not accepted for upload)."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe
from wagtail.images import get_image_model

from .files import serve_media_file

_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
          ".webp": "image/webp"}


@require_safe
def rendition(request: HttpRequest, name: str) -> HttpResponseBase:
    if not request.user.is_authenticated:
        raise Http404
    suffix = PurePosixPath(name).suffix.lower()
    if "/" in name or "\\" in name or name.startswith(".") or suffix not in _TYPES:
        raise Http404
    relative = f"images/{name}"
    renditions = get_image_model().get_rendition_model().objects
    if not renditions.filter(file=relative).exists():
        raise Http404
    response = serve_media_file(request, relative)
    response["Content-Type"] = _TYPES[suffix]
    response["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'"
    return response
