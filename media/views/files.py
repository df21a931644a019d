"""Serving the ladder and the posters to users who may watch the video.

Development serves the bytes from Python (``FileResponse`` streams, never loads a file). Production
sets ``MEDIA_ACCEL_REDIRECT_PREFIX`` so that Django only checks permission and answers with an
``X-Accel-Redirect`` (nginx) or ``X-Sendfile`` (Apache, lighttpd) header naming the file; the web
server then sends it (see docs/media.md).
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from ..access import can_watch
from ..models import Video
from ..posters import POSTER_SIZES

_HLS_NAME = re.compile(r"^(master\.m3u8|[a-z0-9_]{1,20}/(index\.m3u8|seg_\d{1,6}\.(ts|m4s|aac)|init\.mp4))$")
_CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".aac": "audio/aac",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
}


def _visible_video(request: HttpRequest, pk: int) -> Video:
    if not request.user.is_authenticated:
        raise Http404
    video = get_object_or_404(Video, pk=pk)
    if not can_watch(request.user, video):
        raise Http404
    return video


def serve_media_file(request: HttpRequest, relative: str) -> HttpResponseBase:
    """Answer with the file at ``relative`` (under MEDIA_ROOT), or hand it to the web server."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Http404
    content_type = _CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    prefix = getattr(settings, "MEDIA_ACCEL_REDIRECT_PREFIX", "")
    if prefix:
        response: HttpResponseBase = HttpResponse(content_type=content_type)
        header = getattr(settings, "MEDIA_ACCEL_REDIRECT_HEADER", "X-Accel-Redirect")
        response[header] = prefix.rstrip("/") + "/" + path.relative_to(root).as_posix()
    else:
        response = FileResponse(path.open("rb"), content_type=content_type)
    # Private: members' browsers may cache, shared caches may not.
    response["Cache-Control"] = "private, max-age=60" if path.suffix == ".m3u8" else "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def hls_file(request: HttpRequest, pk: int, name: str) -> HttpResponseBase:
    if not _HLS_NAME.match(name):
        raise Http404
    video = _visible_video(request, pk)
    if not video.is_ready:
        raise Http404
    return serve_media_file(request, f"{video.hls_dir}/{name}")


@require_safe
def poster(request: HttpRequest, pk: int, size: str) -> HttpResponseBase:
    if size != "full" and size not in POSTER_SIZES:
        raise Http404
    video = _visible_video(request, pk)
    if not video.poster:
        raise Http404
    name = video.poster.name
    if size != "full":
        name = str(Path(name).with_name(f"poster-{size}.jpg"))
    return serve_media_file(request, name)
