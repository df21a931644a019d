"""Chunked transcoding of long sources, spread over the ``media`` workers, the lowest rung first.

``process_video`` (the video's claim, as for any video) probes the source; when it is longer than
``MEDIA_CHUNK_THRESHOLD_SECONDS`` it calls ``start`` instead of running the one-process ladder:
the video stream is cut at keyframes into chunks (stream copy), and one ``VideoChunk`` row is written
per step under the video's claim token: each chunk once per stage of the ladder (``ladder.stages``:
stage 0 is the lowest rung, 360p, encoded with ``MEDIA_X264_PRESET_FIRST``; stage 1 the higher rungs
from one decode), the audio, and one stitching per stage. Steps are sent to the ``media`` queue when
what they need is done (``_needs``): first stage 0's chunks and the audio (a group: any free worker
takes any chunk); the step that completes the last of them sends stage 0's stitching *before* stage
1's chunks, so even one worker makes the lowest rung of every chunk, then publishes it (the video is
playable, members see 转码中，当前为标清), then makes the higher rungs. Stage 1's stitching adds each
higher rung to the published ladder and the master playlist as soon as it is stitched; the last one
makes the video ``ready``.

Each step is claimed on its own (conditional UPDATE with a token, a heartbeat while ffmpeg runs,
taken over when the heartbeat is stale), writes into a private folder and renames it into place when
complete, so a step run twice or by a worker that died half-way costs only that step. A step that
fails is sent again alone, up to ``MEDIA_CHUNK_MAX_ATTEMPTS`` times; then the video fails with the
reason. Stitching joins each rung's chunks, segments them and runs the same playlist checks as the
one-process ladder before publishing.

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
from ..models import ChunkKind, ChunkState, Rendition, Video, VideoChunk, VideoState
from ..processing import ProbeResult, chunks, ffmpeg_binary
from ..processing import ladder as ladder_mod
from ..processing.playlists import Measured, master_playlist, measure, read_media_playlist
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


def start(video: Video, token: str, workdir: Path, info: ProbeResult, plan: list[list[ladder_mod.Rung]]) -> list[int]:
    """Split the source and write the steps: every chunk once per stage of the ladder (``ladder.stages``:
    the lowest rung, then the rest), the audio, one stitching per stage. Returns the ids of the steps to
    send now (the first stage's chunks and the audio); the others are sent when what they need is done
    (``_needs``)."""
    from .transcoding import _heartbeat  # the video's claim, shared with the one-process path

    stage_count = len(plan)
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
        rows = [VideoChunk(video=video, run_token=token, kind=ChunkKind.VIDEO, stage=stage, index=index,
                           source=f"source/{name}") for stage in range(stage_count) for index, name in enumerate(names)]
        if info.has_audio:
            rows += [VideoChunk(video=video, run_token=token, kind=ChunkKind.AUDIO, stage=stage)
                     for stage in range(stage_count) if audio_bitrates(plan, stage)]
        rows += [VideoChunk(video=video, run_token=token, kind=ChunkKind.FINISH, stage=stage)
                 for stage in range(stage_count)]
        VideoChunk.objects.bulk_create(rows)
    logger.info("video %s: %d chunks, %d stages", video.pk, len(names), stage_count)
    steps = list(VideoChunk.objects.filter(video=video, run_token=token))
    return [step.pk for step in _in_sending_order(steps) if not _needs(step, steps)]


def audio_bitrates(plan: list[list[ladder_mod.Rung]], stage: int) -> list[int]:
    """The audio bitrates a stage's audio step makes: those of its rungs that no earlier stage made (the
    lowest rung's audio alone first: encoding the others would delay the moment the video is playable)."""
    earlier = {kbps for rungs in plan[:stage] for kbps in chunks.audio_bitrates(rungs)}
    return [kbps for kbps in chunks.audio_bitrates(plan[stage]) if kbps not in earlier]


def _needs(step: VideoChunk, steps: list[VideoChunk]) -> list[VideoChunk]:
    """The steps that must be done before ``step`` may run. A later stage's chunks and audio wait for
    the previous stage's (so one worker makes the lowest rung of every chunk before any higher rung); a
    stage's stitching waits for its chunks, the audio so far and the previous stage's stitching (which
    published the lower rungs)."""
    if step.kind != ChunkKind.FINISH:
        if step.stage == 0:
            return []
        return [row for row in steps if row.kind != ChunkKind.FINISH and row.stage == step.stage - 1]
    return [row for row in steps if (row.kind == ChunkKind.AUDIO and row.stage <= step.stage)
            or (row.kind == ChunkKind.VIDEO and row.stage == step.stage)
            or (row.kind == ChunkKind.FINISH and row.stage == step.stage - 1)]


def _in_sending_order(steps: list[VideoChunk]) -> list[VideoChunk]:
    """Stitching before chunks (it publishes what members wait for; a single worker takes it first),
    then by stage and index."""
    return sorted(steps, key=lambda row: (row.kind != ChunkKind.FINISH, row.stage, row.kind, row.index))


def _ready_to_send(steps: list[VideoChunk], completed: VideoChunk) -> list[int]:
    """The pending steps that ``completed`` was the last thing they waited for: sent once, by the step
    that completes their last need (the rows are read under a lock, so two steps finishing together
    do not both see everything done)."""
    done = {row.pk for row in steps if row.state == ChunkState.DONE}
    ready = []
    for row in _in_sending_order(steps):
        needs = _needs(row, steps)
        if row.state == ChunkState.PENDING and any(need.pk == completed.pk for need in needs) and all(
                need.pk in done for need in needs):
            ready.append(row.pk)
    return ready


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
    "failed" (the video failed), "busy"/"stale"/"missing"/"waiting" (nothing to do)."""
    from .transcoding import ClaimLost, _fail

    chunk = VideoChunk.objects.filter(pk=chunk_id).select_related("video").first()
    if chunk is None:
        return "missing", []
    if not _video_live(chunk):
        return "stale", []  # the video was re-claimed, deleted or finished: this run is over
    siblings = list(VideoChunk.objects.filter(video_id=chunk.video_id, run_token=chunk.run_token))
    if any(need.state != ChunkState.DONE for need in _needs(chunk, siblings)):
        return "waiting", []  # sent early (by hand, a duplicate): the step that completes its needs sends it
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
            else:
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
    work = [row for row in rows if row.kind != ChunkKind.FINISH]
    done = sum(1 for row in work if row.state == ChunkState.DONE)
    Video.objects.filter(pk=video.pk, claim_token=chunk.run_token, state=VideoState.PROCESSING).update(
        progress=min(95, 5 + int(85 * done / max(1, len(work)))), heartbeat_at=dbclock.now())
    return "done", _ready_to_send(rows, chunk)


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


def _stage(rungs: list[ladder_mod.Rung], config: ladder_mod.Settings,
           stage: int) -> tuple[list[ladder_mod.Rung], ladder_mod.Settings, bool]:
    """The rungs and settings of one stage, and whether it is the last."""
    plan = ladder_mod.stages(rungs)
    if stage >= len(plan):
        raise Rejected(failures.TRANSCODE_FAILED, f"stage {stage} of a ladder of {len(plan)} stages")
    return plan[stage], ladder_mod.stage_settings(config, stage, len(plan)), stage == len(plan) - 1


def _chunk_dir(workdir: Path, index: int, stage: int) -> Path:
    return workdir / f"chunk_{index:05d}_s{stage}"


def _audio_dir(workdir: Path, stage: int) -> Path:
    return workdir / f"audio_s{stage}"


def _audio_file(workdir: Path, kbps: int) -> Path | None:
    """The AAC file of one bitrate, from whichever stage's audio step made it."""
    return next(iter(sorted(workdir.glob(f"audio_s*/audio_{kbps}.m4a"))), None)


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
    final = (_audio_dir(workdir, chunk.stage) if chunk.kind == ChunkKind.AUDIO
             else _chunk_dir(workdir, chunk.index, chunk.stage))
    if final.is_dir():
        return  # a previous run finished the files and died before saying so
    private = final.with_name(f"{final.name}.{token}")
    private.mkdir(parents=True)
    binary = ffmpeg_binary()
    if chunk.kind == ChunkKind.AUDIO:
        args = chunks.audio_args(binary, video.original.path, private,
                                 audio_bitrates(ladder_mod.stages(rungs), chunk.stage))
    else:
        stage_rungs, stage_config, _ = _stage(rungs, config, chunk.stage)
        args = chunks.chunk_args(binary, workdir / chunk.source, private, stage_rungs, stage_config, fps)
    try:
        _ffmpeg(args, video, chunk, token, None)
        _keepalive(video, chunk, token)
        private.rename(final)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _finish(video: Video, chunk: VideoChunk, token: str, workdir: Path) -> None:
    """Stitch one stage. The first stage (the lowest rung) is published with the posters and the video
    becomes playable (``ready`` if it is the only stage); each rung of a later stage is added to the
    published ladder and the master playlist as soon as it is stitched, the last one makes the video
    ``ready``. Run again (a worker died half-way), rungs this run already published are kept."""
    from .transcoding import _check_output, _publish, _publish_more

    rungs, config, fps = _plan(video)
    stage_rungs, stage_config, last = _stage(rungs, config, chunk.stage)
    first = chunk.stage == 0
    assert video.duration is not None
    binary = ffmpeg_binary()
    parts = VideoChunk.objects.filter(video=video, run_token=chunk.run_token, kind=ChunkKind.VIDEO,
                                      stage=chunk.stage).order_by("index")
    chunk_dirs = [_chunk_dir(workdir, part.index, chunk.stage) for part in parts]
    has_audio = VideoChunk.objects.filter(video=video, run_token=chunk.run_token, kind=ChunkKind.AUDIO).exists()
    final_dir = Path(settings.MEDIA_ROOT) / video.hls_dir
    published: list[Measured] = []
    if not first:  # the rungs already in the published ladder (earlier stages, or this one run before)
        names = set(Rendition.objects.filter(video=video).values_list("name", flat=True))
        published = [measure(rung, read_media_playlist(final_dir / rung.name / "index.m3u8"))
                     for rung in rungs if rung.name in names]
    done = {item.rung.name for item in published}

    def stitch(rung: ladder_mod.Rung, out: Path) -> None:
        rung_dir = out / rung.name
        rung_dir.mkdir(parents=True)
        files = [folder / f"{rung.name}.mp4" for folder in chunk_dirs]
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise Rejected(failures.TRANSCODE_FAILED, f"{rung.name}: missing chunks {missing}")
        concat = workdir / f"{rung.name}.{token}.ffconcat"
        concat.write_text(chunks.concat_list(files))
        audio = _audio_file(workdir, rung.audio_kbps) if has_audio else None
        if has_audio and audio is None:
            raise Rejected(failures.TRANSCODE_FAILED, f"{rung.name}: missing audio at {rung.audio_kbps} kbit/s")
        _ffmpeg(chunks.stitch_args(binary, concat, audio, rung_dir, stage_config), video, chunk, token,
                video.duration)
        concat.unlink()

    if first:
        out = workdir / f"out.{token}"
        shutil.rmtree(out, ignore_errors=True)
        for rung in stage_rungs:
            stitch(rung, out)
        measured = _check_output(out, stage_rungs, video.duration, "")
        (out / "master.m3u8").write_text(master_playlist(measured, fps, has_audio=has_audio))
        frame = out / "poster-source.png"
        _ffmpeg(chunks.poster_args(binary, video.original.path, round(video.duration * 0.1, 3),
                                   ladder_mod.poster_size(rungs[0].width, rungs[0].height, posters.POSTER_LONGEST),
                                   frame), video, chunk, token, None)
        posters.write_posters(frame, out)
        frame.unlink()
        _keepalive(video, chunk, token)
        _publish(video, chunk.run_token, out, measured, final=last)
    else:
        todo = sorted((rung for rung in stage_rungs if rung.name not in done), key=lambda r: r.width * r.height)
        for position, rung in enumerate(todo):  # lowest first: the player switches up as each appears
            out = workdir / f"out-{rung.name}.{token}"
            shutil.rmtree(out, ignore_errors=True)
            stitch(rung, out)
            measured = _check_output(out, [rung], video.duration, "")
            published += measured
            (out / "master.m3u8").write_text(master_playlist(published, fps, has_audio=has_audio))
            _keepalive(video, chunk, token)
            _publish_more(video, chunk.run_token, out, measured, final=last and position == len(todo) - 1)
        if last and not todo:  # every rung was published by an earlier run of this step
            Video.objects.filter(pk=video.pk, claim_token=chunk.run_token, state=VideoState.PROCESSING).update(
                state=VideoState.READY, progress=100, heartbeat_at=None)
    if last:
        shutil.rmtree(workdir, ignore_errors=True)


def claim_stalled_steps(queued_for: timedelta = timedelta(minutes=10)) -> list[int]:
    """Steps to send again (the beat sweep): processing with a stale heartbeat (the worker died), or
    pending for longer than ``queued_for`` with everything it needs done (a lost message). Each is
    claimed for one resend by moving ``updated_at`` to now."""
    now = dbclock.now()
    stale = now - timedelta(seconds=settings.MEDIA_PROCESSING_STALE_SECONDS)
    live_runs = Video.objects.filter(state=VideoState.PROCESSING, claim_token=F("chunks__run_token"))
    candidates = VideoChunk.objects.filter(video__in=live_runs.values("pk")).filter(
        Q(state=ChunkState.PROCESSING, heartbeat_at__lt=stale)
        | Q(state=ChunkState.PENDING, updated_at__lt=now - queued_for)
    )
    claimed: list[int] = []
    runs: dict[tuple[int, str], list[VideoChunk]] = {}  # the steps of each run, read once per sweep
    for row in candidates.select_related("video")[:500]:
        if row.video.claim_token != row.run_token:
            continue
        if row.state == ChunkState.PENDING:  # waiting for what it needs is not lost
            key = (row.video_id, row.run_token)
            if key not in runs:
                runs[key] = list(VideoChunk.objects.filter(video_id=row.video_id, run_token=row.run_token))
            if any(need.state != ChunkState.DONE for need in _needs(row, runs[key])):
                continue
        same = Q(pk=row.pk, state=row.state, updated_at=row.updated_at)
        if VideoChunk.objects.filter(same).update(state=ChunkState.PENDING, updated_at=now):
            claimed.append(row.pk)
    return claimed
