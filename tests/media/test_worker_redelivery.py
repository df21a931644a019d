"""A worker killed in the middle of a transcode: the broker redelivers the task (acks_late), another
worker takes the video over once the dead one's heartbeat is stale, and it completes; no half output.

Runs against its own redis-server (a broker that redelivers unacknowledged messages, with a visibility
timeout of a few seconds for the workers started here): ``make test-heavy``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from media import tasks
from media.models import VideoState
from media.services import register_video_from_path
from tests.faults.processes import kill, publish, start_worker, wait_for
from tests.media import clips

pytestmark = [pytest.mark.worker, pytest.mark.heavy]

TRANSCODE_ENV = {
    "MEDIA_PROCESSING_STALE_SECONDS": "3",
    "MEDIA_PROGRESS_SAVE_SECONDS": "0.3",
    "MEDIA_X264_PRESET": "medium",
    "MEDIA_HLS_SEGMENT_SECONDS": "1",
}


@pytest.mark.django_db(transaction=True)
def test_it_completes_a_transcode_after_the_worker_was_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              redis_server: Any) -> None:
    from media.services import registration

    monkeypatch.setattr(registration, "_enqueue_after_commit", lambda video_id: None)
    video = register_video_from_path(clips.clip(tmp_path / "long.mp4", size="854x480", seconds=12))
    queue = f"media-test-{uuid.uuid4().hex[:8]}"
    broker = redis_server.url(0)
    log = tmp_path / "worker.log"
    first = start_worker(broker, queue, log, env=TRANSCODE_ENV)
    second = None
    try:
        publish(tasks.transcode_video, broker, queue=queue, args=(video.pk,))

        def busy() -> bool:
            video.refresh_from_db()
            return video.state == VideoState.PROCESSING and video.progress > 0

        wait_for(busy, 30, "the first worker to start transcoding", log)
        kill(first)
        video.refresh_from_db()
        assert video.state == VideoState.PROCESSING and video.progress < 95
        half = list((Path(settings.MEDIA_ROOT) / "videos" / "tmp").glob(f"{video.storage_key}-*"))
        assert half, "the killed worker left its temporary folder"
        assert not (Path(settings.MEDIA_ROOT) / video.hls_dir).exists()

        second = start_worker(broker, queue, log, env=TRANSCODE_ENV)

        def finished() -> bool:
            video.refresh_from_db()
            return video.state in {VideoState.READY, VideoState.FAILED}

        wait_for(finished, 45, "the redelivered task to finish", log)
    finally:
        kill(first)
        kill(second)
    assert video.state == VideoState.READY, video.failure_detail
    assert video.attempts == 2
    assert video.renditions.count() == 2
    assert not list((Path(settings.MEDIA_ROOT) / "videos" / "tmp").iterdir())
    assert (Path(settings.MEDIA_ROOT) / video.hls_dir / "master.m3u8").is_file()
    assert log.read_text().count("succeeded in") == 1  # the redelivered run, once
