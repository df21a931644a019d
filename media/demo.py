"""Demo videos: the clips in MEDIA_DEMO_VIDEOS_DIR (../shared/corpus/videos/) when that folder
exists, else short clips generated with ffmpeg's lavfi sources. They go through the normal queue."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

from school.demo import DemoData

from .models import Video
from .processing import ffmpeg_binary
from .services import register_video_from_path

TITLES = {
    "bigbuckbunny": "示范课：党员教育动画片段",
    "bikes": "示范课：绿色出行主题宣传片",
    "carphone_pristine": "示范课：基层走访记录（手机拍摄）",
    "carphone_distorted": "示范课：基层走访记录（低画质）",
}
GENERATED = [
    ("lesson-intro.mp4", "示范课：党校课程导学", "testsrc2=size=1280x720:rate=25:d=12", 440),
    ("lesson-branch.mp4", "示范课：支部工作规范要点", "smptehdbars=size=854x480:rate=25:d=8", 660),
]


def _generate(folder: Path) -> list[tuple[Path, str]]:
    made = []
    for name, title, source, tone in GENERATED:
        path = folder / name
        subprocess.run(  # noqa: S603 - fixed arguments
            [ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source,
             "-f", "lavfi", "-i", f"sine=frequency={tone}:d=12", "-c:v", "libx264", "-preset", "veryfast",
             "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
            check=True,
        )
        made.append((path, title))
    return made


def seed_videos(demo: DemoData) -> list[str]:
    trainer = demo.users.get("jiangshi")
    folder = Path(settings.MEDIA_DEMO_VIDEOS_DIR)
    with tempfile.TemporaryDirectory() as scratch:
        if folder.is_dir() and any(folder.glob("*.mp4")):
            sources = [(path, TITLES.get(path.stem, f"示范课：{path.stem}")) for path in sorted(folder.glob("*.mp4"))]
            origin = str(folder)
        else:
            sources = _generate(Path(scratch))
            origin = "ffmpeg lavfi"
        added = 0
        for path, title in sources:
            if Video.objects.filter(title=title).exists():
                continue
            register_video_from_path(path, title=title, uploaded_by=trainer)
            added += 1
    return [f"视频：已导入 {added} 个示范视频（来源 {origin}），由 Celery 的 media 队列转码。"]
