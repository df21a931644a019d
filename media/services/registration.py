"""Registering an uploaded or existing file as a Video and putting it on the transcoding queue."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from ..models import Video, VideoState

CHUNK = 1024 * 1024


def _digest(file: File[Any]) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    file.seek(0)
    for chunk in file.chunks(CHUNK):
        sha.update(chunk)
        size += len(chunk)
    file.seek(0)
    return sha.hexdigest(), size


@transaction.atomic
def register_video(
    *, title: str, file: File[Any], original_name: str = "", uploaded_by: Any = None, queue: bool = True
) -> Video:
    """Store ``file`` (streamed in chunks, never read whole) as the kept original; queue it."""
    checksum, size = _digest(file)
    name = original_name or Path(file.name or "video").name
    video = Video(title=title.strip() or Path(name).stem, original_name=name[:255], checksum=checksum,
                  size_bytes=size, uploaded_by=uploaded_by if uploaded_by and uploaded_by.is_authenticated else None)
    video.original.save(name, file, save=False)
    video.save()
    if queue:
        queue_video(video)
    return video


def register_video_from_path(path: Path, *, title: str = "", uploaded_by: Any = None, queue: bool = True) -> Video:
    with path.open("rb") as handle:
        return register_video(title=title or path.stem, file=File(handle, name=path.name), original_name=path.name,
                              uploaded_by=uploaded_by, queue=queue)


def _enqueue_after_commit(video_id: int) -> None:
    from school import outbox

    from ..tasks import transcode_video

    outbox.send_on_commit(transcode_video, video_id)


@transaction.atomic
def queue_video(video: Video) -> bool:
    """``uploaded -> queued``; the task is sent once the transaction commits."""
    changed = Video.objects.filter(pk=video.pk, state=VideoState.UPLOADED).update(
        state=VideoState.QUEUED, progress=0, updated_at=timezone.now()
    )
    if changed:
        video.state = VideoState.QUEUED
        _enqueue_after_commit(video.pk)
    return bool(changed)


@transaction.atomic
def requeue_video(video: Video) -> bool:
    """``failed -> queued`` (the original was kept, so it is transcoded again). False if not failed."""
    changed = Video.objects.filter(pk=video.pk, state=VideoState.FAILED).update(
        state=VideoState.QUEUED, progress=0, failure_reason="", failure_detail="", claim_token="",
        updated_at=timezone.now(),
    )
    if changed:
        video.refresh_from_db()
        _enqueue_after_commit(video.pk)
    return bool(changed)
