from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from media import tasks


@pytest.fixture(autouse=True)
def _fast_media_settings(settings: Any) -> None:
    settings.MEDIA_X264_PRESET = "ultrafast"
    settings.MEDIA_X264_PRESET_FIRST = ""
    settings.MEDIA_HLS_SEGMENT_SECONDS = 1
    settings.MEDIA_PROGRESS_SAVE_SECONDS = 0.1


@pytest.fixture
def sent_tasks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record transcode tasks instead of sending them to a broker."""
    sent: list[int] = []
    monkeypatch.setattr(tasks.transcode_video, "delay", lambda video_id: sent.append(video_id))
    return sent


@pytest.fixture
def clip_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "clips"
    folder.mkdir()
    return folder
