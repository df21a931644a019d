"""Each bad source ends `failed` with a Chinese reason, the original kept, nothing half published."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from media.models import Video, VideoState
from media.services import process_video, register_video_from_path, requeue_video
from tests.media import builders

pytestmark = pytest.mark.django_db


def fails(path: Path) -> Video:
    video = register_video_from_path(path)
    assert process_video(video.pk) == "failed"
    video.refresh_from_db()
    assert video.state == VideoState.FAILED
    assert video.progress == 0
    assert Path(video.original.path).is_file(), "the original is kept"
    assert not (Path(settings.MEDIA_ROOT) / video.hls_dir).exists()
    assert not video.renditions.exists()
    assert not list((Path(settings.MEDIA_ROOT) / "videos" / "tmp").glob("*"))
    return video


def test_it_fails_a_text_file_named_mp4(clip_dir: Path, sent_tasks: list[int]) -> None:
    path = clip_dir / "lesson.mp4"
    path.write_text("这不是视频，只是一段文字。\n" * 20)

    video = fails(path)

    assert video.failure_reason == "无法读取该文件：它不是视频或音频文件，或者已经损坏。"
    assert "moov atom not found" in video.failure_detail or "Invalid data" in video.failure_detail


def test_it_fails_a_truncated_mp4(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = fails(builders.truncated(clip_dir / "cut.mp4", builders.clip(clip_dir / "whole.mp4")))

    assert video.failure_reason == "无法读取该文件：它不是视频或音频文件，或者已经损坏。"


def test_it_fails_a_truncated_mp4_whose_index_comes_first(clip_dir: Path, sent_tasks: list[int]) -> None:
    whole = builders.clip(clip_dir / "whole.mp4", seconds=3, extra=("-movflags", "+faststart"))

    video = fails(builders.truncated(clip_dir / "cut.mp4", whole, keep=0.4))

    assert video.failure_reason.startswith("文件不完整")


def test_it_fails_a_zero_byte_file(clip_dir: Path, sent_tasks: list[int]) -> None:
    path = clip_dir / "empty.mp4"
    path.touch()

    video = fails(path)

    assert video.failure_reason == "文件为空（0 字节），请重新上传。"


def test_it_fails_an_image(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = fails(builders.image(clip_dir / "photo.png"))

    assert video.failure_reason == "该文件是一张图片，不是视频。"


def test_it_fails_a_4000_by_4000_source(clip_dir: Path, sent_tasks: list[int]) -> None:
    path = clip_dir / "huge.mp4"
    builders.ffmpeg("-f", "lavfi", "-i", "color=gray:size=4000x4000:rate=1:d=1", "-c:v", "libx264", "-preset",
                 "ultrafast", str(path))

    video = fails(path)

    assert video.failure_reason.startswith("视频分辨率为 4000×4000")
    assert (video.width, video.height) == (None, None)


def test_it_fails_when_the_original_is_gone(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "a.mp4", seconds=1))
    Path(video.original.path).unlink()

    assert process_video(video.pk) == "failed"

    video.refresh_from_db()
    assert video.failure_reason == "存储中找不到原始文件。"


def test_it_requeues_a_failed_video_and_it_can_then_succeed(
    clip_dir: Path, sent_tasks: list[int], django_capture_on_commit_callbacks: object
) -> None:
    source = builders.clip(clip_dir / "a.mp4", seconds=1)
    video = register_video_from_path(source)
    original = Path(video.original.path)
    good = original.read_bytes()
    original.write_bytes(b"")
    process_video(video.pk)
    video.refresh_from_db()
    assert video.state == VideoState.FAILED
    original.write_bytes(good)  # e.g. the storage came back

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_video(video) is True
    assert video.state == VideoState.QUEUED and video.failure_reason == ""
    assert sent_tasks == [video.pk]
    assert requeue_video(video) is False  # only failed videos are requeued

    assert process_video(video.pk) == "ready"
    video.refresh_from_db()
    assert video.state == VideoState.READY and video.attempts == 2
