"""Long sources are transcoded in chunks spread over the media workers, then stitched.

Persona: a trainer uploads a 40-second lecture-like clip (a continuous tone, moving test pattern)
with the chunk threshold lowered so it is cut into four chunks whose joins fall mid-tone and
mid-motion. Celery runs eagerly (each sent task runs at once, as on a worker)."""

from __future__ import annotations

import itertools
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from media import tasks
from media.models import ChunkKind, ChunkState, Video, VideoChunk, VideoState
from media.processing import ffmpeg_binary
from media.processing.playlists import read_master_playlist, read_media_playlist
from media.services import chunked, process_video, register_video_from_path
from school.celery import app
from tests.media import builders

pytestmark = pytest.mark.django_db

SECONDS = 40
FPS = 25


@pytest.fixture(autouse=True)
def _chunked_settings(settings: Any) -> Iterator[None]:
    settings.MEDIA_HLS_LADDER = ((360, 800, 96), (180, 300, 64))
    settings.MEDIA_HLS_SEGMENT_SECONDS = 2
    settings.MEDIA_CHUNK_THRESHOLD_SECONDS = 5
    settings.MEDIA_CHUNK_SECONDS = 11  # source keyframes every 2 s: joins at 12, 24, 36 s
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture(scope="module")
def lecture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lecture") / "lecture.mp4"
    builders.ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate={FPS}:d={SECONDS}",
        "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=48000:d={SECONDS}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", str(2 * FPS),
        "-c:a", "aac", "-shortest", str(path),
    )
    return path


def packets(path: Path, stream: str) -> list[tuple[int, int]]:
    """(pts, duration) of every packet of ``stream`` ("v" or "a"), in the 90 kHz MPEG-TS time base."""
    result = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path), "-map", f"0:{stream}:0",
         "-c", "copy", "-copyts", "-f", "framecrc", "-"],
        check=True, capture_output=True, text=True)
    rows = []
    for line in result.stdout.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = [field.strip() for field in line.split(",")]
        rows.append((int(fields[2]), int(fields[3])))
    return rows


def test_a_long_source_is_cut_into_chunks_transcoded_apart_and_stitched_without_gap_or_repeat(lecture: Path) -> None:
    video = register_video_from_path(lecture)

    assert process_video(video.pk) == "chunked"

    video.refresh_from_db()
    assert video.state == VideoState.READY, video.failure_detail
    steps = VideoChunk.objects.filter(video=video, run_token=video.claim_token)
    assert steps.filter(kind=ChunkKind.VIDEO).count() >= 3
    assert set(steps.values_list("state", flat=True)) == {ChunkState.DONE}
    final = Path(settings.MEDIA_ROOT) / video.hls_dir
    variants = read_master_playlist(final / "master.m3u8")
    assert [attributes["RESOLUTION"] for attributes, _ in variants] == ["640x360", "320x180"]
    segment_counts = set()
    for _, uri in variants:
        playlist_path = final / uri
        playlist = read_media_playlist(playlist_path)
        assert playlist.ended
        assert all((playlist_path.parent / name).is_file() for name, _ in playlist.segments)
        segment_counts.add(tuple(round(seconds, 2) for _, seconds in playlist.segments))
        # Video: one packet per frame, each exactly one frame after the one before it, across every join.
        frames = sorted(pts for pts, _ in packets(playlist_path, "v"))
        step = 90000 // FPS
        deltas = {later - earlier for earlier, later in itertools.pairwise(frames)}
        assert deltas == {step}, f"{uri}: frame steps {sorted(deltas)[:5]}…"
        assert abs(len(frames) - SECONDS * FPS) <= 1
        # Audio: packets follow each other without a gap or overlap.
        audio = sorted(packets(playlist_path, "a"))
        gaps = {later[0] - (earlier[0] + earlier[1]) for earlier, later in itertools.pairwise(audio)}
        assert max(abs(gap) for gap in gaps) <= 2, f"{uri}: audio gaps {sorted(gaps)}"
        assert abs(playlist.duration - SECONDS) <= 1 / FPS + 0.05
    assert len(segment_counts) == 1, "the rungs' segments have different boundaries"
    assert not list((Path(settings.MEDIA_ROOT) / "videos" / "tmp").glob(f"{video.storage_key}-*"))
    assert video.renditions.count() == 2 and video.poster


def test_a_short_source_keeps_the_one_process_ladder(clip_dir: Path) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "short.mp4", seconds=3))

    assert process_video(video.pk) == "ready"
    assert not VideoChunk.objects.filter(video=video).exists()


def test_a_failing_chunk_is_retried_alone(lecture: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    video = register_video_from_path(lecture)
    runs: list[tuple[str, int, int]] = []
    original = chunked._run_chunk
    failed_once: list[bool] = []

    def flaky(video: Video, chunk: VideoChunk, token: str, workdir: Path) -> None:
        runs.append((chunk.kind, chunk.stage, chunk.index))
        if chunk.kind == ChunkKind.VIDEO and chunk.stage == 0 and chunk.index == 1 and not failed_once:
            failed_once.append(True)
            raise RuntimeError("worker lost its disk")
        original(video, chunk, token, workdir)

    monkeypatch.setattr(chunked, "_run_chunk", flaky)

    assert process_video(video.pk) == "chunked"

    video.refresh_from_db()
    assert video.state == VideoState.READY, video.failure_detail
    assert runs.count((ChunkKind.VIDEO, 0, 1)) == 2
    assert all(runs.count(step) == 1 for step in runs if step != (ChunkKind.VIDEO, 0, 1))
    retried = VideoChunk.objects.get(video=video, run_token=video.claim_token, kind=ChunkKind.VIDEO, stage=0,
                                     index=1)
    assert retried.attempts == 2 and retried.state == ChunkState.DONE


def test_a_chunk_that_keeps_failing_fails_the_video_with_a_reason(lecture: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 settings: Any) -> None:
    settings.MEDIA_CHUNK_MAX_ATTEMPTS = 2
    video = register_video_from_path(lecture)

    def broken(video: Video, chunk: VideoChunk, token: str, workdir: Path) -> None:
        if chunk.kind == ChunkKind.VIDEO and chunk.index == 2:
            raise RuntimeError("ffmpeg crashed")

    monkeypatch.setattr(chunked, "_run_chunk", broken)

    process_video(video.pk)

    video.refresh_from_db()
    assert video.state == VideoState.FAILED
    assert video.failure_reason and "video 2" in video.failure_detail
    step = VideoChunk.objects.get(video=video, kind=ChunkKind.VIDEO, stage=0, index=2)
    assert step.state == ChunkState.FAILED and step.attempts == 2
    assert not list((Path(settings.MEDIA_ROOT) / "videos" / "tmp").glob(f"{video.storage_key}-*"))


def test_a_chunk_whose_worker_died_is_sent_again_alone_by_the_sweep(lecture: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    video = register_video_from_path(lecture)
    sent: list[int] = []
    monkeypatch.setattr(tasks.transcode_chunk, "delay", lambda step_id: sent.append(step_id))

    assert process_video(video.pk) == "chunked"
    video.refresh_from_db()
    steps = VideoChunk.objects.filter(video=video, run_token=video.claim_token)
    # First the lowest rung's chunks and audio; the rest waits for them.
    assert sorted(sent) == sorted(steps.filter(stage=0).exclude(kind=ChunkKind.FINISH).values_list("pk", flat=True))
    monkeypatch.undo()
    for step_id in sent[1:]:  # every step but the first runs; the first's worker dies mid-chunk
        tasks.transcode_chunk.apply(args=(step_id,))
    first = VideoChunk.objects.get(pk=sent[0])
    VideoChunk.objects.filter(pk=first.pk).update(state=ChunkState.PROCESSING, claim_token="dead", attempts=1,
                                                  heartbeat_at="2000-01-01T00:00:00Z")
    Video.objects.filter(pk=video.pk).update(heartbeat_at="2000-01-01T00:00:00Z")

    tasks.recover_stalled_videos.apply()  # beat: the video is not resent whole, the dead chunk is

    video.refresh_from_db()
    assert video.state == VideoState.READY, video.failure_detail
    first.refresh_from_db()
    assert first.attempts == 2 and first.state == ChunkState.DONE
    assert re.fullmatch(r"[0-9a-f]{32}", video.claim_token)
    assert VideoChunk.objects.filter(video=video).values("run_token").distinct().count() == 1


def test_the_sweep_resends_lost_steps_but_not_those_waiting_for_an_earlier_stage(
        lecture: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    video = register_video_from_path(lecture)
    sent: list[int] = []
    monkeypatch.setattr(tasks.transcode_chunk, "delay", lambda step_id: sent.append(step_id))
    assert process_video(video.pk) == "chunked"
    video.refresh_from_db()
    steps = VideoChunk.objects.filter(video=video, run_token=video.claim_token)
    assert steps.filter(stage=1).exists()  # 360p then 180p: two stages
    sent.clear()
    steps.update(updated_at="2000-01-01T00:00:00Z")  # every message lost long ago

    assert sorted(chunked.claim_stalled_steps()) == sorted(
        steps.filter(stage=0).exclude(kind=ChunkKind.FINISH).values_list("pk", flat=True))
    # A stage-1 step sent early (a duplicate, by hand) waits without running.
    waiting = steps.filter(stage=1, kind=ChunkKind.VIDEO).first()
    assert waiting is not None and chunked.run_step(waiting.pk) == ("waiting", [])
    waiting.refresh_from_db()
    assert waiting.state == ChunkState.PENDING and waiting.attempts == 0
