"""``python manage.py import_video PATH [--title T] [--wait]``: register an existing file and transcode
it through the same Celery task as uploads (operators use it to bring in an existing library)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from media.models import Video, VideoState
from media.services import register_video_from_path

FINAL = {VideoState.READY, VideoState.FAILED}


class Command(BaseCommand):
    help = "Register a video or audio file and transcode it on the media queue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--title", default="", help="title shown to members (default: the file name)")
        parser.add_argument("--wait", action="store_true", help="wait until the video is ready or failed")
        parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait with --wait")

    def handle(self, *args: Any, path: Path, title: str, wait: bool, timeout: float, **options: Any) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        video = register_video_from_path(path, title=title)  # commits, then the task is sent
        self.stdout.write(str(video.pk))
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while True:
            video.refresh_from_db()
            if video.state in FINAL:
                break
            if time.monotonic() > deadline:
                raise CommandError(f"video {video.pk} still {video.state} after {timeout:.0f} s")
            time.sleep(1)
        if video.state == VideoState.FAILED:
            self.stdout.write(f"{video.state} {video.failure_reason}")
            raise CommandError(f"video {video.pk} failed: {video.failure_reason}")
        self.stdout.write(f"{video.state} {video.duration or 0:.1f}s {video.renditions.count()} renditions")


__all__ = ["Command", "Video"]
