"""The tus 1.0 endpoint for resumable video uploads (thin: headers in, ``media.services.uploads`` does the work).

``/videos/uploads/``: OPTIONS (what the server supports), POST (creation). ``/videos/uploads/<id>``: HEAD
(the acknowledged offset), PATCH (append), DELETE (termination), OPTIONS. Session authentication with
Django's CSRF check (the browser sends ``X-CSRFToken``); only users who may upload videos (trainers with
``media.add_video``: else 403), and each user sees only their own uploads (another's is 404).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _

from ..models import Upload
from ..services import uploads as service
from ..services.uploads import TUS_VERSION, UploadError

_REASONS = {460: "Checksum Mismatch"}


def _answer(status: int, message: str = "", **headers: Any) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8",
                            reason=_REASONS.get(status))
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = str(value)
    return response


def _options() -> HttpResponse:
    return _answer(204, Tus_Version=TUS_VERSION, Tus_Extension="creation,termination,checksum,expiration",
                   Tus_Max_Size=settings.MEDIA_MAX_UPLOAD_BYTES,
                   Tus_Checksum_Algorithm=",".join(service.CHECKSUM_ALGORITHMS))


def _refusal(request: HttpRequest, allowed: tuple[str, ...]) -> HttpResponse | None:
    """403 for users who may not upload; 405 for another method; 412 for a client that does not speak
    tus 1.0.0."""
    if not request.user.is_authenticated or not service.can_upload_videos(request.user):
        return _answer(403, _("Only trainers may upload videos."))
    if request.method not in allowed:
        return _answer(405, Allow=", ".join(allowed))
    if request.method != "OPTIONS" and request.headers.get("Tus-Resumable") != TUS_VERSION:
        return _answer(412, _("This server speaks tus %(version)s.") % {"version": TUS_VERSION},
                       Tus_Version=TUS_VERSION)
    return None


def _expires(upload: Upload) -> str:
    return http_date(upload.updated_at.timestamp() + settings.MEDIA_UPLOAD_ABANDONED_SECONDS)


def _int_header(request: HttpRequest, name: str) -> int:
    value = request.headers.get(name, "")
    if not value.isdigit():
        raise UploadError(400, _("The %(name)s header must be a whole number.") % {"name": name})
    return int(value)


def upload_collection(request: HttpRequest) -> HttpResponse:
    refused = _refusal(request, ("POST", "OPTIONS"))
    if refused:
        return refused
    if request.method == "OPTIONS":
        return _options()
    try:
        if request.headers.get("Upload-Defer-Length"):
            raise UploadError(400, _("The file's size must be given when the upload starts (Upload-Length)."))
        length = _int_header(request, "Upload-Length")
        metadata = service.parse_metadata(request.headers.get("Upload-Metadata", ""))
        upload = service.do_create_upload(owner=request.user, length=length, metadata=metadata)
    except UploadError as error:
        return _answer(error.status, error.message)
    location = request.build_absolute_uri(reverse("media:upload", kwargs={"pk": upload.pk}))
    return _answer(201, Location=location, Upload_Offset=0, Upload_Expires=_expires(upload))


def upload_resource(request: HttpRequest, pk: int) -> HttpResponse:
    refused = _refusal(request, ("HEAD", "PATCH", "DELETE", "OPTIONS"))
    if refused:
        return refused
    if request.method == "OPTIONS":
        return _options()
    upload = Upload.objects.filter(pk=pk, owner_id=request.user.pk).first()
    if upload is None:
        return _answer(404, _("This upload no longer exists; start it again."))
    try:
        if request.method == "HEAD":
            return _answer(200, Upload_Offset=upload.offset, Upload_Length=upload.length,
                           Upload_Expires=_expires(upload))
        if request.method == "DELETE":
            service.do_terminate_upload(upload)
            return _answer(204)
        return _patch(request, upload)
    except UploadError as error:
        return _answer(error.status, error.message)


def _patch(request: HttpRequest, upload: Upload) -> HttpResponse:
    if request.content_type != "application/offset+octet-stream":
        raise UploadError(415, _("A PATCH must have Content-Type application/offset+octet-stream."))
    offset = _int_header(request, "Upload-Offset")
    raw_length = request.META.get("CONTENT_LENGTH") or ""
    content_length = int(raw_length) if raw_length.isdigit() else None
    checksum = service.parse_checksum(request.headers.get("Upload-Checksum"))
    received = service.do_receive_chunk(upload, offset=offset, read=request.read, content_length=content_length,
                                        checksum=checksum)
    headers: dict[str, Any] = {"Upload_Offset": received.upload.offset, "Upload_Expires": _expires(upload)}
    if received.complete and received.upload.video_id:
        headers["X_Video_Id"] = received.upload.video_id
    return _answer(204, **headers)
