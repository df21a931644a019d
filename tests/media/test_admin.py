"""The Wagtail admin: upload (size limit, sniffing), listing with state, requeue, permissions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from media.models import Video, VideoState
from media.services import process_video, register_video_from_path
from tests.factories import Personas
from tests.media import builders

pytestmark = pytest.mark.django_db
ADD = "wagtailsnippets_media_video:add"
LIST = "wagtailsnippets_media_video:list"


def upload(client: Any, path: Path, name: str | None = None, title: str = "") -> Any:
    with path.open("rb") as handle:
        return client.post(reverse(ADD), {"title": title, "original": SimpleUploadedFile(name or path.name,
                                                                                       handle.read())})


def test_it_lets_a_trainer_upload_a_video_that_is_then_queued(
    clip_dir: Path, personas: Personas, client_for: Callable[[Any], Any], sent_tasks: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(personas.trainer)
    assert client.get(reverse(ADD)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, builders.clip(clip_dir / "phone.mov", seconds=1), title="入党誓词")

    assert response.status_code == 302, response.content.decode()[:2000]
    video = Video.objects.get()
    assert (video.title, video.state, video.uploaded_by) == ("入党誓词", VideoState.QUEUED, personas.trainer)
    assert video.original_name == "phone.mov" and len(video.checksum) == 64
    assert sent_tasks == [video.pk]


def test_it_refuses_a_file_whose_content_is_not_media(
    clip_dir: Path, personas: Personas, client_for: Callable[[Any], Any], sent_tasks: list[int]
) -> None:
    fake = clip_dir / "lesson.mp4"
    fake.write_text("<html>not a video</html>" * 50)

    response = upload(client_for(personas.trainer), fake)

    assert response.status_code == 200
    assert "不是视频或音频文件" in response.content.decode()
    assert not Video.objects.exists() and sent_tasks == []


def test_it_refuses_an_upload_over_the_size_limit_before_reading_it(
    clip_dir: Path, personas: Personas, client_for: Callable[[Any], Any], settings: Any, sent_tasks: list[int]
) -> None:
    settings.MEDIA_MAX_UPLOAD_BYTES = 1024
    big = builders.clip(clip_dir / "big.mp4", seconds=2)
    assert big.stat().st_size > 70 * 1024

    response = upload(client_for(personas.trainer), big)

    assert response.status_code == 413
    assert "最多可上传 1.0\xa0KB" in response.content.decode()
    assert not Video.objects.exists()


def test_it_refuses_an_upload_over_the_limit_that_fits_the_request_slack(
    clip_dir: Path, personas: Personas, client_for: Callable[[Any], Any], settings: Any, sent_tasks: list[int]
) -> None:
    big = builders.clip(clip_dir / "big.mp4", seconds=1)
    settings.MEDIA_MAX_UPLOAD_BYTES = big.stat().st_size - 100  # request body within the 64 KB slack

    response = upload(client_for(personas.trainer), big)

    assert response.status_code == 200 and "最多可上传" in response.content.decode()
    assert not Video.objects.exists()


def test_it_keeps_members_and_org_admins_out_of_the_video_admin(
    personas: Personas, client_for: Callable[[Any], Any]
) -> None:
    assert client_for(personas.member.user).get(reverse(LIST)).status_code in {302, 403}
    assert client_for(personas.admin_a).get(reverse(LIST)).status_code in {302, 403}


def test_it_lists_videos_with_state_progress_and_reason(
    clip_dir: Path, personas: Personas, client_for: Callable[[Any], Any], sent_tasks: list[int]
) -> None:
    bad = clip_dir / "bad.mp4"
    bad.write_text("text")
    failed = register_video_from_path(bad, title="坏文件")
    process_video(failed.pk)
    busy = register_video_from_path(builders.clip(clip_dir / "b.mp4", seconds=1), title="转码中")
    Video.objects.filter(pk=busy.pk).update(state=VideoState.PROCESSING, progress=42)

    page = client_for(personas.trainer).get(reverse(LIST)).content.decode()

    assert "坏文件" in page and "无法读取该文件" in page
    assert 'data-video-status="processing"' in page and "42%" in page
    assert reverse("wagtailsnippets_media_video:requeue", args=[failed.pk]) in page


def test_it_requeues_a_failed_video_from_the_admin(
    clip_dir: Path, personas: Personas, client_for: Callable[[Any], Any], sent_tasks: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    bad = clip_dir / "bad.mp4"
    bad.write_text("text")
    video = register_video_from_path(bad)
    process_video(video.pk)
    url = reverse("wagtailsnippets_media_video:requeue", args=[video.pk])
    client = client_for(personas.trainer)

    confirm = client.get(url)
    assert confirm.status_code == 200 and "无法读取该文件" in confirm.content.decode()
    assert client.put(url).status_code == 405
    assert client_for(personas.member.user).post(url).status_code in {302, 403, 404}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302

    video.refresh_from_db()
    assert video.state == VideoState.QUEUED and sent_tasks == [video.pk]
    assert client.post(url).status_code == 302  # not failed any more: refused with a message
    video.refresh_from_db()
    assert video.state == VideoState.QUEUED and sent_tasks == [video.pk]


def test_it_offers_videos_in_the_snippet_chooser(
    clip_dir: Path, personas: Personas, client_for: Callable[[Any], Any], sent_tasks: list[int]
) -> None:
    register_video_from_path(builders.clip(clip_dir / "c.mp4", seconds=1), title="廉政教育")

    response = client_for(personas.trainer).get(reverse("wagtailsnippetchoosers_media_video:choose"))

    assert response.status_code == 200
    assert "廉政教育" in response.json()["html"]
