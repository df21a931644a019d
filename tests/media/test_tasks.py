"""The Celery task and its claim: safe to run twice, takes over from a dead worker, saves progress."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from media import tasks
from media.models import Video, VideoState
from media.processing import binary
from media.services import process_video, register_video_from_path
from media.services import transcoding as transcoding_module
from school import dbclock
from tests.media import builders

pytestmark = pytest.mark.django_db


def test_it_is_routed_to_the_media_queue_acknowledged_early_with_time_limits() -> None:
    task = tasks.transcode_video
    assert task.acks_late is False and not task.reject_on_worker_lost
    assert task.soft_time_limit and task.time_limit and task.time_limit > task.soft_time_limit
    assert getattr(task, "queue", None) == "media"
    assert settings.CELERY_TASK_ROUTES["media.tasks.*"] == {"queue": "media"}


def test_it_returns_at_once_when_a_redelivered_copy_finds_a_live_worker_on_the_video(
    clip_dir: Path, sent_tasks: list[int]
) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "a.mp4", seconds=1))
    Video.objects.filter(pk=video.pk).update(state=VideoState.PROCESSING, heartbeat_at=dbclock.now(),
                                             claim_token="other")

    result = tasks.transcode_video.apply(args=(video.pk,), throw=True)

    assert result.get() == "busy" and result.state == "SUCCESS"
    video.refresh_from_db()
    assert video.state == VideoState.PROCESSING and video.claim_token == "other"


def test_it_leaves_a_live_worker_alone_when_this_machine_s_clock_runs_ahead(
    clip_dir: Path, sent_tasks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "a.mp4", seconds=1))
    Video.objects.filter(pk=video.pk).update(state=VideoState.PROCESSING, heartbeat_at=dbclock.now(),
                                             claim_token="live")
    real_now = timezone.now
    skew = dt.timedelta(seconds=settings.MEDIA_PROCESSING_STALE_SECONDS + 60)
    monkeypatch.setattr(timezone, "now", lambda: real_now() + skew)

    assert process_video(video.pk) == "busy"
    assert tasks.recover_stalled_videos.apply().get() == [] and sent_tasks == []

    video.refresh_from_db()
    assert video.state == VideoState.PROCESSING and video.claim_token == "live"


def test_it_kills_a_silent_ffmpeg_and_fails_the_video_with_a_reason(
    clip_dir: Path, sent_tasks: list[int], monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "a.mp4", seconds=1))
    silent = tmp_path / "silent-ffmpeg"
    silent.write_text("#!/bin/sh\necho out_time_us=0\necho progress=continue\nexec sleep 120\n")
    silent.chmod(0o755)
    monkeypatch.setattr(transcoding_module, "ffmpeg_binary", lambda: str(silent))
    settings.MEDIA_FFMPEG_STALL_SECONDS = 1.5
    started = time.monotonic()

    assert process_video(video.pk) == "failed"

    assert time.monotonic() - started < 30
    video.refresh_from_db()
    assert video.state == VideoState.FAILED and "没有进展" in video.failure_reason


def test_it_takes_over_from_a_worker_that_died(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "a.mp4", seconds=1))
    dead = timezone.now() - dt.timedelta(seconds=settings.MEDIA_PROCESSING_STALE_SECONDS + 5)
    Video.objects.filter(pk=video.pk).update(state=VideoState.PROCESSING, heartbeat_at=dead, claim_token="dead",
                                             attempts=1, progress=40)
    half = Path(settings.MEDIA_ROOT) / "videos" / "tmp" / f"{video.storage_key}-dead"
    half.mkdir(parents=True)
    (half / "junk.ts").write_bytes(b"half")

    assert tasks.transcode_video.apply(args=(video.pk,), throw=True).get() == "ready"

    video.refresh_from_db()
    assert video.state == VideoState.READY and video.attempts == 2
    assert not (Path(settings.MEDIA_ROOT) / video.hls_dir / "junk.ts").exists()


def test_it_does_nothing_for_a_video_that_is_done_or_gone(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "a.mp4", seconds=1))
    Video.objects.filter(pk=video.pk).update(state=VideoState.FAILED, failure_reason="x")

    assert tasks.transcode_video.apply(args=(video.pk,), throw=True).get() == "done"
    assert tasks.transcode_video.apply(args=(999999,), throw=True).get() == "missing"
    video.refresh_from_db()
    assert video.state == VideoState.FAILED and video.failure_reason == "x"


def test_it_saves_progress_and_heartbeat_while_transcoding(
    clip_dir: Path, sent_tasks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "a.mp4", seconds=3))
    seen: list[int] = []
    real = transcoding_module._heartbeat

    def spy(video_id: int, token: str, progress: int) -> None:
        real(video_id, token, progress)
        seen.append(Video.objects.get(pk=video_id).progress)

    monkeypatch.setattr(transcoding_module, "_heartbeat", spy)
    assert process_video(video.pk) == "ready"

    assert seen and all(0 <= value <= 95 for value in seen) and seen == sorted(seen)


def test_it_abandons_its_work_when_another_worker_took_the_video_over(
    clip_dir: Path, sent_tasks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "a.mp4", seconds=2))

    def stolen(video_id: int, token: str, progress: int) -> None:
        Video.objects.filter(pk=video_id).update(claim_token="thief")
        transcoding_module.__dict__["_heartbeat_real"](video_id, token, progress)

    monkeypatch.setitem(transcoding_module.__dict__, "_heartbeat_real", transcoding_module._heartbeat)
    monkeypatch.setattr(transcoding_module, "_heartbeat", stolen)

    assert process_video(video.pk) == "busy"

    video.refresh_from_db()
    assert video.state == VideoState.PROCESSING and video.claim_token == "thief"
    assert not (Path(settings.MEDIA_ROOT) / video.hls_dir).exists()
    assert not list((Path(settings.MEDIA_ROOT) / "videos" / "tmp").iterdir())


def test_it_finds_ffmpeg_from_the_setting_then_the_path_then_imageio(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import imageio_ffmpeg
    from django.core.exceptions import ImproperlyConfigured

    settings.FFMPEG_BINARY = ""
    monkeypatch.setattr(binary.shutil, "which", lambda name: None)
    assert binary.ffmpeg_binary() == imageio_ffmpeg.get_ffmpeg_exe()
    monkeypatch.setattr(binary.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert binary.ffmpeg_binary() == "/usr/bin/ffmpeg"
    mine = tmp_path / "my-ffmpeg"
    mine.write_text("")
    settings.FFMPEG_BINARY = str(mine)
    monkeypatch.setattr(binary.shutil, "which", lambda name: None)
    assert binary.ffmpeg_binary() == str(mine)
    settings.FFMPEG_BINARY = str(tmp_path / "missing")
    with pytest.raises(ImproperlyConfigured):
        binary.ffmpeg_binary()


def _worker_runs_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside tests the task is sent on commit; here the "worker" runs it at once, so --wait ends."""
    from media.services import registration

    monkeypatch.setattr(registration, "_enqueue_after_commit", lambda video_id: process_video(video_id))


def test_it_imports_a_file_from_the_command_line(
    clip_dir: Path, sent_tasks: list[int], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _worker_runs_at_once(monkeypatch)
    source = builders.clip(clip_dir / "library.mp4", seconds=1)

    call_command("import_video", str(source), "--title", "老课程", "--wait")

    video = Video.objects.get()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == str(video.pk) and out[1].startswith("ready 1.0s 1 renditions")
    assert video.title == "老课程" and video.state == VideoState.READY


def test_it_reports_a_failed_import_and_a_missing_file(
    clip_dir: Path, sent_tasks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _worker_runs_at_once(monkeypatch)
    text = clip_dir / "notes.mp4"
    text.write_text("hello")

    with pytest.raises(CommandError, match="无法读取该文件"):
        call_command("import_video", str(text), "--wait", "--timeout", "30")
    with pytest.raises(CommandError, match="still queued"):
        monkeypatch.setattr("media.services.registration._enqueue_after_commit", lambda video_id: None)
        call_command("import_video", str(text), "--wait", "--timeout", "0")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_video", str(clip_dir / "nope.mp4"))


def test_it_resends_videos_whose_worker_died_or_whose_message_was_lost(
    clip_dir: Path, sent_tasks: list[int]
) -> None:
    source = builders.clip(clip_dir / "a.mp4", seconds=1)
    dead, lost, fresh, live = (register_video_from_path(source) for _ in range(4))
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Video.objects.filter(pk=dead.pk).update(state=VideoState.PROCESSING, heartbeat_at=long_ago)
    Video.objects.filter(pk=lost.pk).update(updated_at=long_ago)
    Video.objects.filter(pk=live.pk).update(state=VideoState.PROCESSING, heartbeat_at=timezone.now())

    resent = tasks.recover_stalled_videos.apply().get()

    assert sorted(resent) == sorted([dead.pk, lost.pk]) and sorted(sent_tasks) == sorted([dead.pk, lost.pk])
    assert fresh.pk not in sent_tasks
    assert "media-recover-stalled-videos" in settings.CELERY_BEAT_SCHEDULE


def test_it_sends_one_message_for_a_stalled_video_however_many_sweeps_run(
    clip_dir: Path, sent_tasks: list[int]
) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "a.mp4", seconds=1))
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Video.objects.filter(pk=video.pk).update(state=VideoState.PROCESSING, heartbeat_at=long_ago)

    for _tick in range(3):
        tasks.recover_stalled_videos.apply().get()

    assert sent_tasks == [video.pk]
    video.refresh_from_db()
    assert video.state == VideoState.QUEUED
