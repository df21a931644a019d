"""Chunked transcoding of long sources, spread over the ``media`` workers.

``process_video`` (the video's claim, as for any video) probes the source; when it is longer than
``MEDIA_CHUNK_THRESHOLD_SECONDS`` it calls ``start`` instead of running the one-process ladder:
the video stream is cut at keyframes into chunks (stream copy), one ``VideoChunk`` row is written per
step (each video chunk, the audio, the stitching) under the video's claim token, and one task per
chunk plus one for the audio is sent to the ``media`` queue (a group: any free worker takes any
chunk). Each step is claimed on its own (conditional UPDATE with a token, a heartbeat while ffmpeg
runs, taken over when the heartbeat is stale), writes into a private folder and renames it into place
when complete, so a step run twice or by a worker that died half-way costs only that step. A step
that fails is sent again alone, up to ``MEDIA_CHUNK_MAX_ATTEMPTS`` times; then the video fails with
the reason. The step that completes the last chunk sends the stitching step, which joins each rung's
chunks, segments them, runs the same playlist checks as the one-process ladder and publishes.

Why not a Celery chord: its callback fires once, when the header tasks of *that* group have
finished; a chunk retried outside the group (after a worker died, by the beat sweep) would never
fire it. The join is a database row instead, claimed like every other step.
"""

from __future__ import annotations

import logging
import shutil
import traceback
import uuid
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import translation

from school import dbclock

from .. import posters
from ..models import ChunkKind, ChunkState, Video, VideoChunk, VideoState
from ..processing import ProbeResult, chunks, ffmpeg_binary
from ..processing import ladder as ladder_mod
from ..processing.playlists import master_playlist
from ..processing.runner import FfmpegFailed, run
from . import failures
from .failures import Rejected

logger = logging.getLogger(__name__)


class HandedToChunks(Exception):
    """``process_video`` stops here: the chunk tasks carry on (keep the work folder)."""


def wanted(info: ProbeResult) -> bool:
    """Long sources with video; rotated sources keep the one-process ladder (the chunk files would
    have to carry the display matrix through stream copy)."""
    return bool(info.has_video and info.duration and info.duration > settings.MEDIA_CHUNK_THRESHOLD_SECONDS
                and not info.rotation)


def workdir_of(video: Video, run_token: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "videos" / "tmp" / f"{video.storage_key}-{run_token}"


def start(video: Video, token: str, workdir: Path, info: ProbeResult) -> list[int]:
    """Split the source and write the steps; returns the ids of the steps to send now."""
    from .transcoding import _heartbeat  # the video's claim, shared with the one-process path

    split_dir = workdir / "source"
    split_dir.mkdir(parents=True, exist_ok=True)
    assert info.duration is not None
    try:
        run(chunks.split_args(ffmpeg_binary(), video.original.path, split_dir, settings.MEDIA_CHUNK_SECONDS),
            duration=info.duration, stall_timeout=settings.MEDIA_FFMPEG_STALL_SECONDS,
            timeout=600 + info.duration)
    except FfmpegFailed as error:
        raise Rejected(failures.TRANSCODE_FAILED, error.stderr_tail) from None
    names = chunks.read_split_list(split_dir)
    if not names:
        raise Rejected(failures.TRANSCODE_FAILED, "the source could not be split into chunks")
    _heartbeat(video.pk, token, 5)
    with transaction.atomic():
        rows = [VideoChunk(video=video, run_token=token, kind=ChunkKind.VIDEO, index=index,
                           source=f"source/{name}") for index, name in enumerate(names)]
        if info.has_audio:
            rows.append(VideoChunk(video=video, run_token=token, kind=ChunkKind.AUDIO))
        rows.append(VideoChunk(video=video, run_token=token, kind=ChunkKind.FINISH))
        VideoChunk.objects.bulk_create(rows)
    logger.info("video %s: %d chunks", video.pk, len(names))
    return list(VideoChunk.objects.filter(video=video, run_token=token).exclude(kind=ChunkKind.FINISH)
                .values_list("pk", flat=True))


def _claim(chunk_id: int) -> str | None:
    token = uuid.uuid4().hex
    now = dbclock.now()
    stale = now - timedelta(seconds=settings.MEDIA_PROCESSING_STALE_SECONDS)
    claimable = Q(state=ChunkState.PENDING) | Q(state=ChunkState.PROCESSING, heartbeat_at__lt=stale)
    claimed = VideoChunk.objects.filter(claimable, pk=chunk_id).update(
        state=ChunkState.PROCESSING, claim_token=token, heartbeat_at=now, attempts=F("attempts") + 1,
        updated_at=now)
    return token if claimed else None


def _video_live(chunk: VideoChunk) -> bool:
    return Video.objects.filter(pk=chunk.video_id, claim_token=chunk.run_token, state=VideoState.PROCESSING).exists()


def run_step(chunk_id: int) -> tuple[str, list[int]]:
    """Run one step. Returns (outcome, ids of steps to send next): "done", "retry" (sent again alone),
    "failed" (the video failed), "busy"/"stale"/"missing" (nothing to do)."""
    from .transcoding import ClaimLost, _fail

    chunk = VideoChunk.objects.filter(pk=chunk_id).select_related("video").first()
    if chunk is None:
        return "missing", []
    if not _video_live(chunk):
        return "stale", []  # the video was re-claimed, deleted or finished: this run is over
    token = _claim(chunk_id)
    if token is None:
        return "busy", []
    chunk.refresh_from_db()
    video = chunk.video
    workdir = workdir_of(video, chunk.run_token)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            if chunk.kind == ChunkKind.FINISH:
                _finish(video, chunk, token, workdir)
                return "done", []
            _run_chunk(video, chunk, token, workdir)
    except ClaimLost:
        return "stale", []
    except Exception as error:
        detail = error.detail if isinstance(error, Rejected) else traceback.format_exc()
        logger.warning("video %s: %s step %s failed (attempt %s)", video.pk, chunk.kind, chunk.index, chunk.attempts)
        retry = chunk.attempts < settings.MEDIA_CHUNK_MAX_ATTEMPTS and chunk.kind != ChunkKind.FINISH
        VideoChunk.objects.filter(pk=chunk_id, claim_token=token).update(
            state=ChunkState.PENDING if retry else ChunkState.FAILED, failure_detail=str(detail)[-8000:],
            heartbeat_at=None)
        if retry:
            return "retry", [chunk_id]
        reason = error.reason if isinstance(error, Rejected) else failures.INTERNAL
        _fail(video.pk, chunk.run_token, reason, f"{chunk.kind} {chunk.index}: {detail}")
        shutil.rmtree(workdir, ignore_errors=True)
        return "failed", []
    with transaction.atomic():
        if not VideoChunk.objects.filter(pk=chunk_id, claim_token=token, state=ChunkState.PROCESSING).update(
                state=ChunkState.DONE, heartbeat_at=None, failure_detail=""):
            return "stale", []
        steps = VideoChunk.objects.select_for_update().filter(video=video, run_token=chunk.run_token)
        rows = list(steps)
    remaining = [row for row in rows if row.kind != ChunkKind.FINISH and row.state != ChunkState.DONE]
    finish = [row.pk for row in rows if row.kind == ChunkKind.FINISH and row.state == ChunkState.PENDING]
    done = len(rows) - 1 - len(remaining)
    Video.objects.filter(pk=video.pk, claim_token=chunk.run_token, state=VideoState.PROCESSING).update(
        progress=min(90, 5 + int(85 * done / max(1, len(rows) - 1))), heartbeat_at=dbclock.now())
    return "done", ([] if remaining else finish)


def _keepalive(video: Video, chunk: VideoChunk, token: str) -> None:
    """Heartbeat of the step and of the video (whose claim the chunk run belongs to)."""
    from .transcoding import ClaimLost

    now = dbclock.now()
    if not VideoChunk.objects.filter(pk=chunk.pk, claim_token=token, state=ChunkState.PROCESSING).update(
            heartbeat_at=now):
        raise ClaimLost(video.pk)
    if not Video.objects.filter(pk=video.pk, claim_token=chunk.run_token, state=VideoState.PROCESSING).update(
            heartbeat_at=now):
        raise ClaimLost(video.pk)


def _plan(video: Video) -> tuple[list[ladder_mod.Rung], ladder_mod.Settings, Fraction]:
    from ..processing import probe
    from .transcoding import ladder_settings

    config = ladder_settings()
    info = probe(video.original.path)
    fps = ladder_mod.output_fps(info.fps, config.max_fps)
    width, height = info.display_size
    return ladder_mod.plan(width, height, fps, config, has_video=True), config, fps


def _ffmpeg(args: list[str], video: Video, chunk: VideoChunk, token: str, duration: float | None) -> None:
    import time

    last = [0.0]

    def on_progress(_: float) -> None:
        if time.monotonic() - last[0] >= settings.MEDIA_PROGRESS_SAVE_SECONDS:
            last[0] = time.monotonic()
            _keepalive(video, chunk, token)

    try:
        run(args, duration=duration or 1.0, on_progress=on_progress,
            timeout=600 + (video.duration or 0) * settings.MEDIA_TRANSCODE_TIMEOUT_FACTOR,
            stall_timeout=settings.MEDIA_FFMPEG_STALL_SECONDS)
    except FfmpegFailed as error:
        raise Rejected(failures.TRANSCODE_FAILED, error.stderr_tail) from None


def _run_chunk(video: Video, chunk: VideoChunk, token: str, workdir: Path) -> None:
    rungs, config, fps = _plan(video)
    final = workdir / ("audio" if chunk.kind == ChunkKind.AUDIO else f"chunk_{chunk.index:05d}")
    if final.is_dir():
        return  # a previous run finished the files and died before saying so
    private = final.with_name(f"{final.name}.{token}")
    private.mkdir(parents=True)
    binary = ffmpeg_binary()
    if chunk.kind == ChunkKind.AUDIO:
        args = chunks.audio_args(binary, video.original.path, private, chunks.audio_bitrates(rungs))
    else:
        args = chunks.chunk_args(binary, workdir / chunk.source, private, rungs, config, fps)
    try:
        _ffmpeg(args, video, chunk, token, None)
        _keepalive(video, chunk, token)
        private.rename(final)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _finish(video: Video, chunk: VideoChunk, token: str, workdir: Path) -> None:
    from .transcoding import _check_output, _publish

    rungs, config, fps = _plan(video)
    out = workdir / f"out.{token}"
    shutil.rmtree(out, ignore_errors=True)
    binary = ffmpeg_binary()
    parts = VideoChunk.objects.filter(video=video, run_token=chunk.run_token, kind=ChunkKind.VIDEO).order_by("index")
    chunk_dirs = [workdir / f"chunk_{part.index:05d}" for part in parts]
    has_audio = (workdir / "audio").is_dir()
    stderr = ""
    for rung in rungs:
        rung_dir = out / rung.name
        rung_dir.mkdir(parents=True)
        files = [folder / f"{rung.name}.mp4" for folder in chunk_dirs]
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise Rejected(failures.TRANSCODE_FAILED, f"{rung.name}: missing chunks {missing}")
        concat = workdir / f"{rung.name}.{token}.ffconcat"
        concat.write_text(chunks.concat_list(files))
        audio = workdir / "audio" / f"audio_{rung.audio_kbps}.m4a" if has_audio else None
        _ffmpeg(chunks.stitch_args(binary, concat, audio, rung_dir, config), video, chunk, token, video.duration)
        concat.unlink()
    assert video.duration is not None
    measured = _check_output(out, rungs, video.duration, stderr)
    (out / "master.m3u8").write_text(master_playlist(measured, fps, has_audio=has_audio))
    width, height = rungs[0].width, rungs[0].height
    frame = out / "poster-source.png"
    _ffmpeg(chunks.poster_args(binary, video.original.path, round(video.duration * 0.1, 3),
                               ladder_mod.poster_size(width, height, posters.POSTER_LONGEST), frame),
            video, chunk, token, None)
    posters.write_posters(frame, out)
    frame.unlink()
    _keepalive(video, chunk, token)
    _publish(video, chunk.run_token, out, measured)
    VideoChunk.objects.filter(pk=chunk.pk, claim_token=token).update(state=ChunkState.DONE, heartbeat_at=None)
    shutil.rmtree(workdir, ignore_errors=True)


def claim_stalled_steps(queued_for: timedelta = timedelta(minutes=10)) -> list[int]:
    """Steps to send again (the beat sweep): processing with a stale heartbeat (the worker died), or
    pending for longer than ``queued_for`` (a lost message; the stitching only once every other step
    is done). Each is claimed for one resend by moving ``updated_at`` to now."""
    now = dbclock.now()
    stale = now - timedelta(seconds=settings.MEDIA_PROCESSING_STALE_SECONDS)
    live_runs = Video.objects.filter(state=VideoState.PROCESSING, claim_token=F("chunks__run_token"))
    candidates = VideoChunk.objects.filter(video__in=live_runs.values("pk")).filter(
        Q(state=ChunkState.PROCESSING, heartbeat_at__lt=stale)
        | Q(state=ChunkState.PENDING, updated_at__lt=now - queued_for)
    )
    claimed: list[int] = []
    for row in candidates.select_related("video")[:500]:
        if row.video.claim_token != row.run_token:
            continue
        if row.kind == ChunkKind.FINISH and VideoChunk.objects.filter(
                video_id=row.video_id, run_token=row.run_token).exclude(kind=ChunkKind.FINISH).exclude(
                state=ChunkState.DONE).exists():
            continue
        same = Q(pk=row.pk, state=row.state, updated_at=row.updated_at)
        if VideoChunk.objects.filter(same).update(state=ChunkState.PENDING, updated_at=now):
            claimed.append(row.pk)
    return claimed
