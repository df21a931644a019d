"""Resumable uploads (the tus 1.0 protocol's core, creation, termination, checksum and expiration).

The bytes go to ``MEDIA_ROOT/videos/partial/<key>.part`` as they arrive; ``Upload.offset`` is the last
acknowledged count. A PATCH writes under an exclusive ``flock`` on that file (a second PATCH on the same
upload is refused with 409 instead of interleaving), keeps what arrived when the connection broke (the
client asks for the offset and sends the rest), checks the first bytes with ``media.sniff`` as soon as they
are in, and at the end computes the SHA-256 (compared with the client's ``sha256`` metadata when given),
moves the file into ``videos/originals/`` with one rename and registers the video (``register_video_file``).
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Upload, UploadState, Video
from ..sniff import sniff_media_container
from .registration import queue_video

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "md5": hashlib.md5}
PARTIAL_DIR = "videos/partial"
SNIFF_BYTES = 4096
CHUNK = 1024 * 1024


class UploadError(Exception):
    """A refusal with its HTTP status and a message for the trainer (in Chinese under zh-hans)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Received:
    upload: Upload
    bytes_written: int
    complete: bool


def can_upload_videos(user: Any) -> bool:
    """Trainers (group 讲师) and superusers, as for every video screen (``media.access``)."""
    from ..access import can_manage_videos

    return can_manage_videos(user)


def _absolute(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def parse_metadata(header: str) -> dict[str, str]:
    """``Upload-Metadata: key base64value,key2 base64value2`` (a key may have no value)."""
    metadata: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in header.split(","))):
        key, _sep, encoded = item.partition(" ")
        try:
            metadata[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8") if encoded else ""
        except (binascii.Error, UnicodeDecodeError):
            raise UploadError(400, _("The upload's metadata is not valid (Upload-Metadata).")) from None
    return metadata


def too_big(length: int) -> UploadError:
    return UploadError(413, _("The file is %(size)s; at most %(limit)s may be uploaded.") % {
        "size": filesizeformat(length), "limit": filesizeformat(settings.MEDIA_MAX_UPLOAD_BYTES)})


def not_media() -> UploadError:
    from ..forms import NOT_MEDIA

    return UploadError(415, str(NOT_MEDIA))


@transaction.atomic
def do_create_upload(*, owner: Any, length: int, metadata: dict[str, str]) -> Upload:
    """Creation: an empty partial file and its row. Refuses a size over ``MEDIA_MAX_UPLOAD_BYTES`` (413)."""
    if length < 0:
        raise UploadError(400, _("Upload-Length must be a whole number of bytes."))
    if length > settings.MEDIA_MAX_UPLOAD_BYTES:
        raise too_big(length)
    if length == 0:
        raise UploadError(400, _("The file is empty."))
    expected = metadata.get("sha256", "").strip().lower()
    if expected and (len(expected) != 64 or any(ch not in "0123456789abcdef" for ch in expected)):
        raise UploadError(400, _("The sha256 metadata must be 64 hexadecimal digits."))
    filename = Path(metadata.get("filename") or metadata.get("name") or "video").name[:255]
    relative = f"{PARTIAL_DIR}/{uuid.uuid4().hex}.part"
    path = _absolute(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(exist_ok=False)
    try:
        upload = Upload.objects.create(owner=owner, length=length, filename=filename,
                                       title=(metadata.get("title") or "").strip()[:200], expected_sha256=expected,
                                       partial_path=relative)
    except Exception:
        path.unlink(missing_ok=True)
        raise
    logger.info("upload %s started by user %s: %s, %s bytes", upload.pk, owner.pk, filename, length)
    return upload


def _delete_files(upload: Upload) -> None:
    _absolute(upload.partial_path).unlink(missing_ok=True)


def do_terminate_upload(upload: Upload) -> None:
    """Termination (the trainer cancelled): the partial file and the row are deleted."""
    if upload.state == UploadState.DONE:
        raise UploadError(409, _("This upload has finished; delete the video instead."))
    with _locked(upload):
        deleted, _rows = Upload.objects.filter(pk=upload.pk, state=UploadState.RECEIVING).delete()
        if deleted:
            _delete_files(upload)
    logger.info("upload %s cancelled at %s of %s bytes", upload.pk, upload.offset, upload.length)


class _locked:
    """An exclusive, non-blocking ``flock`` on the partial file: one writer per upload at a time."""

    def __init__(self, upload: Upload) -> None:
        self.path = _absolute(upload.partial_path)
        self.handle: Any = None

    def __enter__(self) -> Any:
        try:
            self.handle = self.path.open("r+b")
        except FileNotFoundError:
            raise UploadError(404, _("This upload no longer exists; start it again.")) from None
        try:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.close()
            raise UploadError(409, _("Another request is writing to this upload; try again shortly.")) from None
        return self.handle

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
        self.handle.close()


def parse_checksum(header: str | None) -> tuple[str, bytes] | None:
    if not header:
        return None
    algorithm, _sep, encoded = header.strip().partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise UploadError(400, _("Unsupported checksum algorithm: %(name)s.") % {"name": algorithm})
    try:
        return algorithm, base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        raise UploadError(400, _("The Upload-Checksum header is not valid base64.")) from None


def do_receive_chunk(upload: Upload, *, offset: int, read: Callable[[int], bytes], content_length: int | None,
                     checksum: tuple[str, bytes] | None) -> Received:
    """PATCH: append the body at ``offset``, which must be the acknowledged offset (else 409).

    Bytes that arrived before a broken connection are kept and acknowledged (unless the request carried
    a checksum, which then cannot be verified: they are discarded, as the checksum extension asks)."""
    if upload.state == UploadState.DONE:
        raise UploadError(409, _("This upload has already finished."))
    with _locked(upload) as handle:
        upload.refresh_from_db()
        if offset != upload.offset:
            raise UploadError(409, _("The upload is at byte %(server)s, not %(client)s; ask for the offset and "
                                     "continue from there.") % {"server": upload.offset, "client": offset})
        remaining = upload.length - upload.offset
        if content_length is not None and content_length > remaining:
            raise UploadError(413, _("The request carries more bytes than the upload has left."))
        handle.seek(upload.offset)
        digest = CHECKSUM_ALGORITHMS[checksum[0]]() if checksum else None
        written = 0
        to_read = remaining if content_length is None else content_length
        broken = False
        while written < to_read:
            try:
                block = read(min(CHUNK, to_read - written))
            except OSError:  # the client went away mid-body
                block = b""
            if not block:
                broken = True
                break
            handle.write(block)
            written += len(block)
            if digest is not None:
                digest.update(block)
            if not upload.container and upload.offset + written >= min(SNIFF_BYTES, upload.length):
                handle.flush()
                _sniff_or_reject(upload, handle)
        handle.flush()
        if digest is not None and (broken or digest.digest() != checksum[1]):  # type: ignore[index]
            handle.truncate(upload.offset)
            if broken:
                return Received(upload, 0, False)
            raise UploadError(460, _("The checksum of this part does not match; it was discarded, send it again."))
        os.fsync(handle.fileno())
        new_offset = upload.offset + written
        Upload.objects.filter(pk=upload.pk).update(offset=new_offset, container=upload.container,
                                                   updated_at=timezone.now())
        upload.offset = new_offset
        if new_offset < upload.length:
            return Received(upload, written, False)
        _finish(upload)
        return Received(upload, written, True)


def _sniff_or_reject(upload: Upload, handle: Any) -> None:
    """The content check on the first bytes, as soon as they are in: not audio/video = deleted, 415."""
    position = handle.tell()
    handle.seek(0)
    head = handle.read(SNIFF_BYTES)
    handle.seek(position)
    container = sniff_media_container(head)
    if container is None:
        Upload.objects.filter(pk=upload.pk).delete()
        _delete_files(upload)
        logger.info("upload %s refused: its first bytes are not audio or video", upload.pk)
        raise not_media()
    upload.container = container


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(4 * CHUNK):
            sha.update(block)
    return sha.hexdigest()


def _finish(upload: Upload) -> None:
    """Complete: the checksum at the end, then the partial file becomes the video's original."""
    path = _absolute(upload.partial_path)
    checksum = _sha256(path)
    if upload.expected_sha256 and checksum != upload.expected_sha256:
        Upload.objects.filter(pk=upload.pk).delete()
        _delete_files(upload)
        logger.info("upload %s refused: SHA-256 %s, expected %s", upload.pk, checksum, upload.expected_sha256)
        raise UploadError(460, _("The whole file's SHA-256 does not match the one given when the upload started; "
                                 "the upload was discarded, upload it again."))
    video = register_video_file(path, title=upload.title, original_name=upload.filename, checksum=checksum,
                                uploaded_by=upload.owner)
    Upload.objects.filter(pk=upload.pk).update(state=UploadState.DONE, video=video, updated_at=timezone.now())
    upload.state, upload.video = UploadState.DONE, video


@transaction.atomic
def register_video_file(path: Path, *, title: str, original_name: str, checksum: str, uploaded_by: Any,
                        queue: bool = True) -> Video:
    """Register a file already under MEDIA_ROOT (a finished upload) as a video: moved with one rename into
    ``videos/originals/`` (no copy), then queued like ``register_video``."""
    from ..models import original_upload_to

    name = original_name or path.name
    video = Video(title=title.strip() or Path(name).stem, original_name=name[:255], checksum=checksum,
                  size_bytes=path.stat().st_size, uploaded_by=uploaded_by)
    relative = original_upload_to(video, name)
    target = _absolute(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    video.original.name = relative
    try:
        video.save()
    except Exception:
        os.replace(target, path)
        raise
    logger.info("video %s registered from a resumable upload (%s bytes)", video.pk, video.size_bytes)
    if queue:
        queue_video(video)
    return video


def do_clean_abandoned_uploads(now: Any = None) -> int:
    """Delete uploads untouched for ``MEDIA_UPLOAD_ABANDONED_SECONDS`` (their partial bytes too), and partial
    files that no row names (a crash between creating the file and the row). Returns how many were removed."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.MEDIA_UPLOAD_ABANDONED_SECONDS)
    removed = 0
    for upload in Upload.objects.filter(updated_at__lt=cutoff):
        try:
            with _locked(upload):
                if Upload.objects.filter(pk=upload.pk, updated_at__lt=cutoff).delete()[0]:
                    _delete_files(upload)
                    removed += 1
        except UploadError as busy:
            if busy.status == 404:  # the file is gone already: the row goes too
                removed += Upload.objects.filter(pk=upload.pk, updated_at__lt=cutoff).delete()[0] and 1
    folder = _absolute(PARTIAL_DIR)
    if folder.is_dir():
        known = set(Upload.objects.values_list("partial_path", flat=True))
        for leftover in folder.glob("*.part"):
            relative = f"{PARTIAL_DIR}/{leftover.name}"
            if relative not in known and leftover.stat().st_mtime < cutoff.timestamp():
                leftover.unlink(missing_ok=True)
                removed += 1
    if removed:
        logger.info("removed %s abandoned uploads", removed)
    return removed
