"""Celery tasks of the media app (queue ``media``). They take ids and call ``media.services``."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from school import outbox

from . import services


@shared_task(bind=True, queue="media", acks_late=True, reject_on_worker_lost=True, max_retries=100)
def transcode_video(self: object, video_id: int) -> str:
    """Safe to run twice: ``process_video`` claims the video with a conditional UPDATE. With
    ``acks_late`` a worker killed mid-transcode leaves the message unacknowledged, so the broker
    redelivers it; the new run takes over once the dead worker's heartbeat is stale."""
    outcome = services.process_video(video_id)
    if outcome == "busy":
        raise self.retry(countdown=settings.MEDIA_PROCESSING_STALE_SECONDS)  # type: ignore[attr-defined]
    return outcome


@shared_task(queue="default", ignore_result=True)
def recover_stalled_videos() -> list[int]:
    """Beat, every few minutes: send the task again for videos whose worker died (stale heartbeat) or
    whose message was lost (queued for long). Brokers without redelivery (the embedded file-system
    one) rely on this; sending twice is harmless because ``process_video`` claims first."""
    ids = services.stalled_video_ids()
    for video_id in ids:
        outbox.send(transcode_video, video_id)
    return ids
