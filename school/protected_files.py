"""One way to answer with a protected file under ``MEDIA_ROOT``, after a view checked permission.

Every view that sends an uploaded or generated file (HLS playlists and segments, posters and
renditions in ``media``, Wagtail documents through ``SENDFILE_BACKEND``) ends here, so content
types, ``Content-Disposition``, caching and ``nosniff`` are decided in one place.

Development streams the bytes from Python (``FileResponse``: never loads the file, but ignores
``Range`` and always answers 200 with the whole file). Production sets ``MEDIA_ACCEL_REDIRECT_PREFIX``:
Django answers with an empty body and an ``X-Accel-Redirect`` header naming the file under an nginx
``internal`` location aliased to ``MEDIA_ROOT`` (deploy/nginx/school.conf); nginx then sends the file
itself, with ``sendfile``, ``Range`` (206) and ``If-Modified-Since`` handling, and keeps the headers
set here (Content-Type, Content-Disposition, Cache-Control, X-Content-Type-Options, CSP).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".aac": "audio/aac",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def content_type_for(path: Path) -> str:
    suffix = path.suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def content_disposition(filename: str, *, attachment: bool) -> str:
    """``attachment``/``inline`` with an ASCII fallback name and the RFC 5987 UTF-8 name (Chinese titles)."""
    kind = "attachment" if attachment else "inline"
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "").strip() or "download"
    value = f'{kind}; filename="{ascii_name}"'
    if ascii_name != filename:
        value += f"; filename*=UTF-8''{quote(filename)}"
    return value


def resolve_under_media_root(relative: str | Path) -> tuple[Path, Path]:
    """(MEDIA_ROOT, the file) or 404 for a path outside MEDIA_ROOT or a missing file."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Http404
    return root, path


def accel_redirect_uri(root: Path, path: Path) -> str:
    prefix = str(getattr(settings, "MEDIA_ACCEL_REDIRECT_PREFIX", ""))
    # Percent-encoded: nginx decodes the URI of an X-Accel-Redirect before mapping it onto the alias.
    return prefix.rstrip("/") + "/" + quote(path.relative_to(root).as_posix())


def protected_file_response(
    request: HttpRequest,
    relative: str | Path,
    *,
    content_type: str | None = None,
    download_name: str | None = None,
    attachment: bool = False,
    cache_control: str = "private, max-age=86400",
) -> HttpResponseBase:
    """The file at ``relative`` (under MEDIA_ROOT) for a request whose permission was checked.

    ``download_name`` adds a Content-Disposition (``attachment`` or ``inline``). ``cache_control``
    defaults to private caching: members' browsers may keep the file, shared caches may not."""
    root, path = resolve_under_media_root(relative)
    kind = content_type or content_type_for(path)
    response: HttpResponseBase
    if getattr(settings, "MEDIA_ACCEL_REDIRECT_PREFIX", ""):
        response = HttpResponse(content_type=kind)
        header = str(getattr(settings, "MEDIA_ACCEL_REDIRECT_HEADER", "X-Accel-Redirect"))
        if header == "X-Accel-Redirect":
            response[header] = accel_redirect_uri(root, path)
        else:  # X-Sendfile (Apache mod_xsendfile) and lighttpd take the file system path
            response[header] = str(path)
    else:
        response = FileResponse(path.open("rb"), content_type=kind)
    if download_name is not None:
        response["Content-Disposition"] = content_disposition(download_name, attachment=attachment)
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response


def sendfile(request: HttpRequest, filename: str, mimetype: str | None = None, **_kwargs: object) -> HttpResponseBase:
    """``SENDFILE_BACKEND`` for Wagtail's document view: the same answer as every other protected file.

    Wagtail's ``sendfile`` then sets Content-Disposition, Content-Type and Content-Length (a length
    school.views.files removes again for an X-Accel-Redirect answer, whose body is empty)."""
    root, path = Path(settings.MEDIA_ROOT).resolve(), Path(filename).resolve()
    if not path.is_relative_to(root):
        raise Http404
    return protected_file_response(request, path.relative_to(root), content_type=mimetype)
