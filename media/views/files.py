"""Serving the ladder and the posters to users who may watch the video.

The views check permission; school.protected_files answers with the file (streamed by Python in
development, by nginx through ``X-Accel-Redirect`` in production, with Range support; see
docs/deployment.md).
"""

from __future__ import annotations

import re
from pathlib import Path

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from school.protected_files import protected_file_response

from .. import signed_segments
from ..access import can_watch
from ..models import Video
from ..posters import POSTER_SIZES

_HLS_NAME = re.compile(r"^(master\.m3u8|[a-z0-9_]{1,20}/(index\.m3u8|seg_\d{1,6}\.(ts|m4s|aac)|init\.mp4))$")


def _visible_video(request: HttpRequest, pk: int) -> Video:
    if not request.user.is_authenticated:
        raise Http404
    video = get_object_or_404(Video, pk=pk)
    if not can_watch(request.user, video):
        raise Http404
    return video


def serve_media_file(request: HttpRequest, relative: str) -> HttpResponseBase:
    """Answer with the file at ``relative`` (under MEDIA_ROOT), or hand it to the web server.
    Playlists change when a video is transcoded again: cached for a minute only."""
    cache = "private, max-age=60" if relative.endswith(".m3u8") else "private, max-age=86400"
    return protected_file_response(request, relative, cache_control=cache)


@require_safe
def hls_file(request: HttpRequest, pk: int, name: str) -> HttpResponseBase:
    if not _HLS_NAME.match(name):
        raise Http404
    video = _visible_video(request, pk)
    if not video.is_playable:
        raise Http404
    if signed_segments.enabled() and name.endswith("/index.m3u8"):
        return signed_segments.signed_playlist(request, f"{video.hls_dir}/{name}")
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
