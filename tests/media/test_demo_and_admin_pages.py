from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from media import demo
from media.models import Video, VideoState
from media.services import process_video, register_video_from_path
from school.demo import DemoData
from tests.factories import Personas
from tests.media import builders

pytestmark = pytest.mark.django_db


def demo_data(personas: Personas) -> DemoData:
    return DemoData(root=personas.district, branches=[personas.a1], members=[personas.member], password_hash="",
                    users={"jiangshi": personas.trainer})


def test_it_seeds_the_clips_of_the_shared_corpus_folder(
    clip_dir: Path, personas: Personas, settings: Any, sent_tasks: list[int]
) -> None:
    builders.clip(clip_dir / "bikes.mp4", seconds=1)
    settings.MEDIA_DEMO_VIDEOS_DIR = clip_dir

    lines = demo.seed_videos(demo_data(personas))

    video = Video.objects.get()
    assert video.title == "示范课：绿色出行主题宣传片" and video.uploaded_by == personas.trainer
    assert video.state == VideoState.QUEUED and "1 个示范视频" in lines[0]
    assert demo.seed_videos(demo_data(personas))[0].startswith("视频：已导入 0 个")  # idempotent


def test_it_generates_clips_when_there_is_no_corpus(
    tmp_path: Path, personas: Personas, settings: Any, sent_tasks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MEDIA_DEMO_VIDEOS_DIR = tmp_path / "absent"
    monkeypatch.setattr(demo, "GENERATED", [("g.mp4", "示范课：生成", "testsrc2=size=320x180:rate=10:d=1", 440)])

    lines = demo.seed_videos(demo_data(personas))

    assert Video.objects.get().title == "示范课：生成" and "ffmpeg lavfi" in lines[0]


def test_it_shows_the_edit_page_with_the_failure_reason_and_requeue_button(
    clip_dir: Path, personas: Personas, client_for: Callable[[Any], Any], sent_tasks: list[int]
) -> None:
    bad = clip_dir / "x.mp4"
    bad.write_bytes(b"\x00" * 100)
    video = register_video_from_path(bad, title="损坏的视频")
    process_video(video.pk)

    page = client_for(personas.trainer).get(reverse("wagtailsnippets_media_video:edit", args=[video.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "无法读取该文件" in html and "重新转码" in html
    assert reverse("wagtailsnippets_media_video:requeue", args=[video.pk]) in html


def test_it_renames_a_video_and_deletes_its_files_with_it(
    clip_dir: Path, personas: Personas, client_for: Callable[[Any], Any], sent_tasks: list[int], settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "a.mp4", seconds=1), title="旧标题")
    process_video(video.pk)
    video.refresh_from_db()
    client = client_for(personas.trainer)

    edited = client.post(reverse("wagtailsnippets_media_video:edit", args=[video.pk]), {"title": "新标题"})

    assert edited.status_code == 302
    video.refresh_from_db()
    assert video.title == "新标题" and video.state == VideoState.READY
    original, ladder = Path(video.original.path), Path(settings.MEDIA_ROOT) / video.hls_dir
    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.post(reverse("wagtailsnippets_media_video:delete", args=[video.pk]))
    assert deleted.status_code == 302
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not original.exists() and not ladder.exists()
