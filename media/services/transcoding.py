"""The transcoding pipeline: claim, probe, one ffmpeg run, check, posters, atomic move, bookkeeping.

``process_video`` is what the Celery task calls; it is safe to run twice or concurrently: the video is
claimed with a conditional UPDATE and a token, every later write is conditional on that token, and
output is built in a private temporary folder that replaces the published one in one rename.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from school import dbclock

from .. import posters
from ..models import Rendition, Video, VideoState
from ..processing import ProbeError, ProbeResult, ffmpeg_binary, probe
from ..processing import ladder as ladder_mod
from ..processing.playlists import Measured, master_playlist, measure, read_media_playlist
from ..processing.runner import FfmpegFailed, FfmpegStalled, run
from . import chunked, failures
from .failures import Rejected

logger = logging.getLogger(__name__)


class ClaimLost(Exception):
    """Another worker took the video over (this one was presumed dead); stop without writing."""


@dataclass
class Timings:
    """Where the time went (the bench reads it)."""

    probe: float = 0.0
    ffmpeg: float = 0.0
    total: float = 0.0
    args: tuple[str, ...] = ()  # the first stage's ffmpeg command
    stage_args: list[tuple[str, ...]] = field(default_factory=list)  # every stage's, in order
    playable: float = 0.0  # seconds from the start of the task until the lowest rung was published
    started: float = field(default_factory=time.monotonic)


def ladder_settings() -> ladder_mod.Settings:
    return ladder_mod.Settings(
        ladder=tuple(tuple(rung) for rung in settings.MEDIA_HLS_LADDER),  # type: ignore[misc]
        crf=settings.MEDIA_X264_CRF,
        preset=settings.MEDIA_X264_PRESET,
        first_preset=settings.MEDIA_X264_PRESET_FIRST,
        segment_seconds=settings.MEDIA_HLS_SEGMENT_SECONDS,
        max_fps=settings.MEDIA_MAX_FPS,
    )


def _claim(video_id: int) -> str | None:
    token = uuid.uuid4().hex
    now = dbclock.now()
    stale = now - timedelta(seconds=settings.MEDIA_PROCESSING_STALE_SECONDS)
    claimable = Q(state__in=[VideoState.QUEUED, VideoState.UPLOADED]) | Q(
        state=VideoState.PROCESSING, heartbeat_at__lt=stale
    )
    claimed = Video.objects.filter(claimable, pk=video_id).update(
        state=VideoState.PROCESSING, claim_token=token, progress=0, processing_started_at=now,
        heartbeat_at=now, attempts=F("attempts") + 1, failure_reason="", failure_detail="", updated_at=now,
    )
    return token if claimed else None


def claim_stalled_videos(queued_for: timedelta = timedelta(minutes=10)) -> list[int]:
    """Videos to send again: processing with a stale heartbeat (the worker died) or queued for longer
    than ``queued_for`` (the message was lost). Each is claimed for one resend with a conditional
    UPDATE that puts it back to queued with ``updated_at`` = now, so concurrent sweeps, and the next
    ticks while the resent message waits in the queue, do not send it again."""
    now = dbclock.now()
    stale = now - timedelta(seconds=settings.MEDIA_PROCESSING_STALE_SECONDS)
    dead = Q(state=VideoState.PROCESSING, heartbeat_at__lt=stale)
    lost = Q(state=VideoState.QUEUED, updated_at__lt=now - queued_for)
    claimed: list[int] = []
    # A chunked run is not dead while its steps wait in the queue: its steps are swept on their own
    # (``chunked.claim_stalled_steps``).
    stalled = Video.objects.filter(dead | lost).exclude(state=VideoState.PROCESSING, chunks__run_token=F("claim_token"))
    for video_id in stalled.values_list("pk", flat=True).distinct()[:100]:
        if Video.objects.filter(dead | lost, pk=video_id).update(state=VideoState.QUEUED, updated_at=now):
            logger.info("video %s: transcode sent again (stalled)", video_id)
            claimed.append(video_id)
    return claimed


def _send_steps(step_ids: list[int]) -> None:
    from school import outbox

    from ..tasks import transcode_chunk

    for step_id in step_ids:  # a group: one message per step, any free media worker takes any of them
        outbox.send(transcode_chunk, step_id)


def _mine(video_id: int, token: str) -> Q:
    return Q(pk=video_id, claim_token=token, state=VideoState.PROCESSING)


def _heartbeat(video_id: int, token: str, progress: int) -> None:
    now = dbclock.now()
    if not Video.objects.filter(_mine(video_id, token)).update(progress=progress, heartbeat_at=now, updated_at=now):
        raise ClaimLost(video_id)


def _fail(video_id: int, token: str, reason: object, detail: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        text = str(reason)
    Video.objects.filter(_mine(video_id, token)).update(
        state=VideoState.FAILED, failure_reason=text, failure_detail=detail[-8000:], progress=0,
        heartbeat_at=None, playable=False, updated_at=timezone.now(),
    )


def process_video(video_id: int, timings: Timings | None = None) -> str:
    """Transcode one video. Returns "ready", "failed", "chunked" (a long source: the chunk tasks
    carry on, ``media.services.chunked``), "busy" (another live worker has it),
    "done" (already ready or failed: nothing to do) or "missing"."""
    started = time.monotonic()
    token = _claim(video_id)
    if token is None:
        state = Video.objects.filter(pk=video_id).values_list("state", flat=True).first()
        if state is None:
            return "missing"
        return "busy" if state == VideoState.PROCESSING else "done"
    video = Video.objects.get(pk=video_id)
    timings = timings or Timings()
    timings.started = started
    scratch = Path(settings.MEDIA_ROOT) / "videos" / "tmp"
    for leftover in scratch.glob(f"{video.storage_key}-*"):  # half output of a worker that died
        shutil.rmtree(leftover, ignore_errors=True)
    workdir = scratch / f"{video.storage_key}-{token}"
    keep_workdir = False
    try:
        with translation.override(settings.LANGUAGE_CODE):  # reasons are stored in the site's language
            _transcode(video, token, workdir, timings)
        outcome = "ready"
    except chunked.HandedToChunks as handed:
        keep_workdir = True  # the chunk steps work in it; the stitching step removes it
        _send_steps(handed.args[0])
        outcome = "chunked"
    except Rejected as rejected:
        logger.info("video %s rejected: %s", video_id, rejected.reason)
        _fail(video_id, token, rejected.reason, rejected.detail)
        outcome = "failed"
    except ClaimLost:
        logger.warning("video %s: claim lost to another worker; output discarded", video_id)
        outcome = "busy"
    except Exception:
        logger.exception("video %s: transcoding crashed", video_id)
        _fail(video_id, token, failures.INTERNAL, traceback.format_exc())
        outcome = "failed"
    finally:
        if not keep_workdir:
            for leftover in scratch.glob(f"{workdir.name}*"):  # every stage's folder
                shutil.rmtree(leftover, ignore_errors=True)
    timings.total = time.monotonic() - started
    return outcome


def _validate(video: Video, source: Path) -> ProbeResult:
    if not source.is_file():
        raise Rejected(failures.MISSING, str(source))
    if source.stat().st_size == 0:
        raise Rejected(failures.EMPTY)
    try:
        info = probe(str(source))
    except ProbeError as error:
        raise Rejected(failures.UNREADABLE, error.detail) from None
    if info.is_image:
        raise Rejected(failures.IMAGE, f"format {info.format_name}, codec {info.video_codec}")
    if not info.has_video and not info.has_audio:
        raise Rejected(failures.NO_STREAMS, info.format_name)
    if not info.duration or info.duration < 0.05:
        raise Rejected(failures.NO_DURATION, repr(info))
    if info.duration > settings.MEDIA_MAX_DURATION_SECONDS:
        raise Rejected(failures.TOO_LONG % {"minutes": info.duration // 60,
                                            "limit": settings.MEDIA_MAX_DURATION_SECONDS // 60})
    if info.has_video and info.width * info.height > settings.MEDIA_MAX_SOURCE_PIXELS:
        raise Rejected(failures.TOO_LARGE % {"width": info.display_size[0], "height": info.display_size[1],
                                             "limit": f"{settings.MEDIA_MAX_SOURCE_PIXELS:,}"})
    if info.has_video and (info.width < 2 or info.height < 2):
        raise Rejected(failures.UNREADABLE, repr(info))
    return info


def _transcode(video: Video, token: str, workdir: Path, timings: Timings) -> None:
    source = Path(video.original.path)
    clock = time.monotonic()
    info = _validate(video, source)
    timings.probe = time.monotonic() - clock
    width, height = info.display_size
    assert info.duration is not None
    config = ladder_settings()
    fps = ladder_mod.output_fps(info.fps, config.max_fps)
    rungs = ladder_mod.plan(width, height, fps, config, has_video=info.has_video)
    plan = ladder_mod.stages(rungs)
    Video.objects.filter(_mine(video.pk, token)).update(
        duration=info.duration, width=width or None, height=height or None, video_codec=info.video_codec,
        audio_codec=info.audio_codec, rotation=info.rotation, playable=False,
        planned_rungs=[rung.name for rung in sorted(rungs, key=lambda rung: (rung.width * rung.height, rung.name))],
    )
    if chunked.wanted(info):  # long sources: chunk steps on the media workers, the lowest rung published first
        raise chunked.HandedToChunks(chunked.start(video, token, workdir, info, plan))
    poster_dims = ladder_mod.poster_size(width, height, posters.POSTER_LONGEST) if info.has_video else None
    weights = [ladder_mod.stage_weight(stage, width * height) for stage in plan]
    measured: list[Measured] = []
    for index, stage in enumerate(plan):
        stage_dir = workdir if index == 0 else workdir.with_name(f"{workdir.name}-{index}")
        for rung in stage:
            (stage_dir / rung.name).mkdir(parents=True, exist_ok=True)
        first = index == 0
        graph = ladder_mod.build_command(
            source=str(source), workdir=str(stage_dir), rungs=stage,
            settings=ladder_mod.stage_settings(config, index, len(plan)), fps=fps,
            has_audio=info.has_audio, poster_at=round(info.duration * 0.1, 3) if first and info.has_video else None,
            poster_dims=poster_dims if first else None,
        )
        args = ladder_mod.command_args(graph, ffmpeg_binary())
        timings.stage_args.append(tuple(args))
        done_before = sum(weights[:index]) / sum(weights)
        share = weights[index] / sum(weights)
        seconds, stderr = _run_stage(video.pk, token, args, info.duration, done_before, share)
        timings.ffmpeg += seconds
        stage_measured = _check_output(stage_dir, stage, info.duration, stderr)
        measured += stage_measured
        (stage_dir / "master.m3u8").write_text(master_playlist(measured, fps, has_audio=info.has_audio))
        if first:
            frame = stage_dir / "poster-source.png"
            if not frame.is_file():
                frame = posters.draw_audio_poster(stage_dir / "poster-source.png", video.title)
            posters.write_posters(frame, stage_dir)
            frame.unlink()
            _publish(video, token, stage_dir, measured, final=len(plan) == 1)
            timings.playable = time.monotonic() - timings.started
        else:
            _publish_more(video, token, stage_dir, stage_measured, final=index == len(plan) - 1)
    timings.args = timings.stage_args[0]


def _run_stage(video_id: int, token: str, args: list[str], duration: float, done_before: float,
               share: float) -> tuple[float, str]:
    """One ffmpeg run; its progress is ``share`` of the video's, after ``done_before`` (both fractions)."""
    last_save = 0.0

    def on_progress(fraction: float) -> None:
        nonlocal last_save
        now = time.monotonic()
        if now - last_save >= settings.MEDIA_PROGRESS_SAVE_SECONDS:
            last_save = now
            _heartbeat(video_id, token, min(95, int((done_before + fraction * share) * 95)))

    try:
        result = run(args, duration=duration, on_progress=on_progress,
                     timeout=600 + duration * settings.MEDIA_TRANSCODE_TIMEOUT_FACTOR,
                     stall_timeout=settings.MEDIA_FFMPEG_STALL_SECONDS)
    except FfmpegStalled as error:
        raise Rejected(failures.STALLED % {"seconds": int(error.seconds)}, error.stderr_tail) from None
    except FfmpegFailed as error:
        raise Rejected(failures.TRANSCODE_FAILED, error.stderr_tail) from None
    return result.seconds, result.stderr


def _check_output(workdir: Path, rungs: list[ladder_mod.Rung], duration: float, stderr: str) -> list[Measured]:
    measured: list[Measured] = []
    for rung in rungs:
        path = workdir / rung.name / "index.m3u8"
        if not path.is_file():
            raise Rejected(failures.TRANSCODE_FAILED, f"{rung.name}: no playlist\n{stderr[-2000:]}")
        playlist = read_media_playlist(path)
        missing = [name for name, _ in playlist.segments if not (path.parent / name).is_file()]
        if not playlist.ended or not playlist.segments or missing:
            raise Rejected(failures.TRANSCODE_FAILED, f"{rung.name}: unfinished playlist {missing}\n{stderr[-2000:]}")
        if playlist.duration < duration * 0.9 - 0.5 or "partial file" in stderr:
            raise Rejected(failures.INCOMPLETE % {"done": playlist.duration, "total": duration}, stderr[-2000:])
        measured.append(measure(rung, playlist))
    return measured


def _publish(video: Video, token: str, workdir: Path, measured: list[Measured], *, final: bool = True) -> None:
    """Swap the folder into place with one rename; the video becomes playable (its lowest rung first),
    and ``ready`` when ``final`` (every rung is in)."""
    if not Video.objects.filter(_mine(video.pk, token)).exists():
        raise ClaimLost(video.pk)
    final_dir = Path(settings.MEDIA_ROOT) / video.hls_dir
    final_dir.parent.mkdir(parents=True, exist_ok=True)
    retired = final_dir.with_name(f"{final_dir.name}.old-{token}")
    if final_dir.exists():
        os.replace(final_dir, retired)
    os.replace(workdir, final_dir)
    shutil.rmtree(retired, ignore_errors=True)
    with transaction.atomic():
        done = {"state": VideoState.READY, "progress": 100, "heartbeat_at": None} if final else {}
        updated = Video.objects.filter(_mine(video.pk, token)).update(
            playable=True, poster=f"{video.hls_dir}/poster.jpg", failure_reason="", failure_detail="",
            updated_at=timezone.now(), **done,
        )
        if not updated:
            raise ClaimLost(video.pk)
        Rendition.objects.filter(video_id=video.pk).delete()
        _record_renditions(video, measured)


def _publish_more(video: Video, token: str, stage_dir: Path, measured: list[Measured], *, final: bool) -> None:
    """Later rungs: each rung's folder is renamed into the published ladder, then the master playlist (written
    with every rung so far) replaces the old one in one rename, so a player never reads a master that names a
    rung whose files are not there yet."""
    if not Video.objects.filter(_mine(video.pk, token)).exists():
        raise ClaimLost(video.pk)
    final_dir = Path(settings.MEDIA_ROOT) / video.hls_dir
    for item in measured:
        target = final_dir / item.rung.name
        if target.exists():
            shutil.rmtree(target)
        os.replace(stage_dir / item.rung.name, target)
    os.replace(stage_dir / "master.m3u8", final_dir / "master.m3u8")
    shutil.rmtree(stage_dir, ignore_errors=True)
    with transaction.atomic():
        done = {"state": VideoState.READY, "progress": 100, "heartbeat_at": None} if final else {}
        if not Video.objects.filter(_mine(video.pk, token)).update(updated_at=timezone.now(), **done):
            raise ClaimLost(video.pk)
        Rendition.objects.filter(video_id=video.pk, name__in=[item.rung.name for item in measured]).delete()
        _record_renditions(video, measured)


def _record_renditions(video: Video, measured: list[Measured]) -> None:
    Rendition.objects.bulk_create(
        Rendition(video_id=video.pk, name=item.rung.name, width=item.rung.width, height=item.rung.height,
                  bandwidth=item.peak_bps, average_bandwidth=item.average_bps,
                  playlist=f"{video.hls_dir}/{item.rung.name}/index.m3u8")
        for item in measured
    )
