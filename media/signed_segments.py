"""Signed segment URLs: Django checks permission once per rendition playlist, nginx checks each segment.

A video player fetches a segment every few seconds, from every member watching. With
``MEDIA_SIGNED_SEGMENTS_KEY`` set, the rendition playlist (``<rung>/index.m3u8``, served by Django after
the usual permission check) lists each segment as an absolute URL under ``MEDIA_SIGNED_SEGMENTS_PREFIX``
with an expiry time and a signature over (expiry, path, the member's session key, the key); nginx's
``secure_link`` module verifies it and sends the file itself (Range, sendfile), without a round trip to
Django (deploy/nginx/school.conf, location /hls-segments/). A URL copied to someone else is useless: it
needs the same session cookie, and it expires after ``MEDIA_SIGNED_SEGMENTS_SECONDS``; logging out
changes the session key. Without the key (development, or a web server without ``secure_link``) the
playlists keep their relative names and every segment goes through Django (X-Accel-Redirect).

The signature is nginx's ``secure_link_md5 "$secure_link_expires$uri$cookie_sessionid <key>"``: MD5,
base64url without padding. MD5 is what the module offers; the key keeps it unforgeable for this use.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

HLS_ROOT = "videos/hls/"
_URI_ATTR = re.compile(r'URI="([^"]+)"')


def enabled() -> bool:
    return bool(getattr(settings, "MEDIA_SIGNED_SEGMENTS_KEY", ""))


def signature(expires: int, uri: str, session_key: str) -> str:
    material = f"{expires}{uri}{session_key} {settings.MEDIA_SIGNED_SEGMENTS_KEY}".encode()
    return base64.urlsafe_b64encode(hashlib.md5(material).digest()).decode().rstrip("=")  # noqa: S324 - nginx's


def signed_url(relative: str, session_key: str, expires: int) -> str:
    """``relative``: a file under MEDIA_ROOT/videos/hls/."""
    if not relative.startswith(HLS_ROOT):
        raise ValueError(relative)
    uri = str(settings.MEDIA_SIGNED_SEGMENTS_PREFIX).rstrip("/") + "/" + relative[len(HLS_ROOT):]
    return f"{uri}?s={signature(expires, uri, session_key)}&e={expires}"


def signed_playlist(request: HttpRequest, relative: str) -> HttpResponse:
    """The rendition playlist at ``relative`` with every segment (and init section) as a signed URL."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file() or not relative.startswith(HLS_ROOT):
        raise Http404
    session_key = request.session.session_key or ""
    expires = int(time.time()) + int(settings.MEDIA_SIGNED_SEGMENTS_SECONDS)
    folder = relative.rsplit("/", 1)[0]

    def sign(name: str) -> str:
        if "/" in name or name.startswith("."):
            return name
        return signed_url(f"{folder}/{name}", session_key, expires)

    lines = []
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            line = sign(line.strip())
        elif line.startswith("#EXT-X-MAP:"):
            line = _URI_ATTR.sub(lambda m: f'URI="{sign(m.group(1))}"', line)
        lines.append(line)
    response = HttpResponse("\n".join(lines) + "\n", content_type="application/vnd.apple.mpegurl")
    # The URLs in it are bound to this session and expire: never cached beyond a minute, never shared.
    response["Cache-Control"] = "private, max-age=60"
    response["X-Content-Type-Options"] = "nosniff"
    return response
