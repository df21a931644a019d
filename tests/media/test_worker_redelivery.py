"""A worker killed in the middle of a transcode: the broker redelivers the task (acks_late), another
worker takes the video over once the dead one's heartbeat is stale, and it completes; no half output.

Needs a broker that redelivers unacknowledged messages: Redis (CELERY_BROKER_URL=redis://…), whose
visibility timeout is set to a few seconds for the workers started here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from media import tasks
from media.models import VideoState
from media.services import register_video_from_path
from tests.media import clips

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.CELERY_BROKER_URL.startswith("redis://"),
                       reason="needs a Redis broker that redelivers unacknowledged tasks (CELERY_BROKER_URL=redis://…)"),
]


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}{port}/{db['NAME']}"


def start_worker(queue: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "school.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_VISIBILITY_TIMEOUT": "4",
        "CELERY_UNACKED_RESTORE_SECONDS": "1",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "MEDIA_PROCESSING_STALE_SECONDS": "3",
        "MEDIA_PROGRESS_SAVE_SECONDS": "0.3",
        "MEDIA_X264_PRESET": "medium",
        "MEDIA_HLS_SEGMENT_SECONDS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "school", "worker", "-Q", queue, "--pool", "solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )


def kill(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its ffmpeg, like a machine going down
        worker.wait(10)


def wait_for(predicate: Any, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


@pytest.mark.django_db(transaction=True)
def test_it_completes_a_transcode_after_the_worker_was_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from media.services import registration

    monkeypatch.setattr(registration, "_enqueue_after_commit", lambda video_id: None)
    video = register_video_from_path(clips.clip(tmp_path / "long.mp4", size="854x480", seconds=12))
    queue = f"media-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    first = start_worker(queue, log)
    second = None
    try:
        tasks.transcode_video.apply_async(args=(video.pk,), queue=queue)

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

        second = start_worker(queue, log)

        def finished() -> bool:
            video.refresh_from_db()
            return video.state in {VideoState.READY, VideoState.FAILED}

        wait_for(finished, 45, "the redelivered task to finish", log)
    finally:
        kill(first)
        if second is not None:
            kill(second)
    assert video.state == VideoState.READY, video.failure_detail
    assert video.attempts == 2
    assert video.renditions.count() == 2
    assert not list((Path(settings.MEDIA_ROOT) / "videos" / "tmp").iterdir())
    assert (Path(settings.MEDIA_ROOT) / video.hls_dir / "master.m3u8").is_file()
