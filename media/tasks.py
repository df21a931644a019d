"""Celery tasks of the media app (queue ``media``). They take ids and call ``media.services``."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from school import outbox

from . import services


@shared_task(queue="media", acks_late=False, soft_time_limit=settings.MEDIA_TRANSCODE_SOFT_TIME_LIMIT,
             time_limit=settings.MEDIA_TRANSCODE_SOFT_TIME_LIMIT + 600)
def transcode_video(video_id: int) -> str:
    """Safe to run twice: ``process_video`` claims the video with a conditional UPDATE.

    Acknowledged when it starts (a transcode runs for longer than any broker's visibility timeout, and
    a late ack would have Redis deliver it again while it still runs). A worker that dies mid-transcode
    stops writing its heartbeat; ``recover_stalled_videos`` then sends the task again. A copy that
    finds another live worker on the video ("busy") just returns."""
    return services.process_video(video_id)


@shared_task(queue="default", ignore_result=True)
def recover_stalled_videos() -> list[int]:
    """Beat, every few minutes: send the task again for videos whose worker died (stale heartbeat) or
    whose message was lost (queued for long). Each resend is claimed first (``claim_stalled_videos``),
    so a tick sends one message per stalled video however many sweeps run."""
    ids = services.claim_stalled_videos()
    for video_id in ids:
        outbox.send(transcode_video, video_id)
    for step_id in services.claim_stalled_steps():
        outbox.send(transcode_chunk, step_id)
    return ids


@shared_task(queue="default", ignore_result=True)
def clean_abandoned_uploads() -> int:
    """Beat, hourly: resumable uploads untouched for ``MEDIA_UPLOAD_ABANDONED_SECONDS`` (a day) are deleted
    with their partial bytes. Safe to run twice (each deletion is conditional and under the file's lock)."""
    from .services.uploads import do_clean_abandoned_uploads

    return do_clean_abandoned_uploads()


@shared_task(queue="media", acks_late=False, soft_time_limit=settings.MEDIA_TRANSCODE_SOFT_TIME_LIMIT,
             time_limit=settings.MEDIA_TRANSCODE_SOFT_TIME_LIMIT + 600)
def transcode_chunk(step_id: int) -> str:
    """One step of a chunked transcode (a chunk, the audio or the stitching). Safe to run twice: the
    step is claimed with a conditional UPDATE; a copy that finds it claimed by a live worker, done, or
    belonging to an earlier claim of the video returns. A failed step is sent again alone; the step
    that completes the last thing another step needs sends it (the lowest rung's stitching first, then
    the higher rungs' chunks; ``media.services.chunked``)."""
    outcome, follow_up = services.run_chunk_step(step_id)
    for next_id in follow_up:
        outbox.send(transcode_chunk, next_id)
    return outcome
