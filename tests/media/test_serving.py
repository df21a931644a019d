"""Who may fetch playlists, segments and posters; the player include; the trainer preview page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from media.access import register_video_access_check, unregister_video_access_check
from media.models import Video, VideoState
from media.services import process_video, register_video_from_path
from tests.factories import Personas
from tests.media import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_video(clip_dir: Path, sent_tasks: list[int]) -> Video:
    video = register_video_from_path(builders.clip(clip_dir / "lesson.mp4", size="640x360", seconds=2), title="党课")
    assert process_video(video.pk) == "ready"
    video.refresh_from_db()
    return video


@pytest.fixture
def deny_member_x(personas: Personas) -> Iterator[None]:
    def check(user: Any, video: Video) -> bool | None:
        return False if user.pk == personas.member_x.user_id else None

    register_video_access_check(check)
    yield
    unregister_video_access_check(check)


@pytest.fixture
def lesson_for_member(personas: Personas) -> Iterator[None]:
    """As if the video were in a lesson that only the member may open (what courses answers)."""
    def check(user: Any, video: Video) -> bool | None:
        return user.pk == personas.member.user_id

    register_video_access_check(check)
    yield
    unregister_video_access_check(check)


def hls(video: Video, name: str) -> str:
    return reverse("media:hls", kwargs={"pk": video.pk, "name": name})


def test_it_serves_the_ladder_to_a_member_who_may_open_its_lesson(
    ready_video: Video, personas: Personas, client_for: Callable[[Any], Any], lesson_for_member: None
) -> None:
    client = client_for(personas.member.user)

    master = client.get(ready_video.master_playlist_url)
    variant = client.get(hls(ready_video, "360p/index.m3u8"))
    segment = client.get(hls(ready_video, "360p/seg_00000.ts"))
    poster = client.get(ready_video.poster_url)
    thumb = client.get(ready_video.thumbnail_url("small"))

    assert master.status_code == 200 and master["Content-Type"] == "application/vnd.apple.mpegurl"
    assert b"360p/index.m3u8" in b"".join(master.streaming_content)
    assert variant.status_code == 200 and segment.status_code == 200
    assert segment["Content-Type"] == "video/mp2t" and segment["Cache-Control"].startswith("private")
    assert poster.status_code == 200 and poster["Content-Type"] == "image/jpeg"
    assert thumb.status_code == 200


def test_it_hides_videos_from_anonymous_users(ready_video: Video, client_for: Callable[[Any], Any]) -> None:
    client = client_for(None)

    assert client.get(ready_video.master_playlist_url).status_code == 404
    assert client.get(ready_video.poster_url).status_code == 404
    assert client.get(reverse("media:preview", args=[ready_video.pk])).status_code == 302


def test_it_lets_the_courses_app_restrict_who_may_watch(
    ready_video: Video, personas: Personas, client_for: Callable[[Any], Any], deny_member_x: None,
    lesson_for_member: None
) -> None:
    assert client_for(personas.member_x.user).get(ready_video.master_playlist_url).status_code == 404
    assert client_for(personas.member.user).get(ready_video.master_playlist_url).status_code == 200
    assert client_for(personas.trainer).get(ready_video.master_playlist_url).status_code == 200


def test_it_serves_a_video_no_lesson_uses_only_to_its_uploader_trainers_and_superusers(
    ready_video: Video, personas: Personas, client_for: Callable[[Any], Any], django_user_model: Any
) -> None:
    uploader = django_user_model.objects.create_user("uploader", password="x-unused-1")
    Video.objects.filter(pk=ready_video.pk).update(uploaded_by=uploader)
    urls = [ready_video.master_playlist_url, hls(ready_video, "360p/index.m3u8"), hls(ready_video, "360p/seg_00000.ts"),
            ready_video.poster_url, ready_video.thumbnail_url("small")]
    for user in (personas.member.user, personas.member_x.user, personas.admin_a):
        assert [client_for(user).get(url).status_code for url in urls] == [404] * len(urls)
    for user in (uploader, personas.trainer, personas.superuser):
        assert [client_for(user).get(url).status_code for url in urls] == [200] * len(urls)


def test_it_refuses_unknown_file_names_and_methods(
    ready_video: Video, personas: Personas, client_for: Callable[[Any], Any], lesson_for_member: None
) -> None:
    client = client_for(personas.member.user)

    assert client.get(hls(ready_video, "../../originals/x.mp4")).status_code == 404
    assert client.get(hls(ready_video, "360p/../../x")).status_code == 404
    assert client.get(hls(ready_video, "360p/seg_09999.ts")).status_code == 404
    assert client.get(reverse("media:poster", kwargs={"pk": ready_video.pk, "size": "huge"})).status_code == 404
    assert client.post(ready_video.master_playlist_url).status_code == 405
    assert client.get(reverse("media:hls", kwargs={"pk": 999999, "name": "master.m3u8"})).status_code == 404


def test_it_does_not_serve_a_video_that_is_not_ready(
    clip_dir: Path, personas: Personas, client_for: Callable[[Any], Any], sent_tasks: list[int]
) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "a.mp4", seconds=1))
    assert video.state == VideoState.QUEUED

    assert client_for(personas.member.user).get(video.master_playlist_url).status_code == 404


def test_it_hands_files_to_the_web_server_when_configured(
    ready_video: Video, personas: Personas, client_for: Callable[[Any], Any], settings: Any, lesson_for_member: None
) -> None:
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"

    response = client_for(personas.member.user).get(hls(ready_video, "360p/index.m3u8"))

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{ready_video.hls_dir}/360p/index.m3u8"
    assert response.content == b""


def test_it_renders_the_player_with_hooks_for_other_code(ready_video: Video) -> None:
    html = render_to_string("media/player.html", {"video": ready_video})

    assert f'data-video-id="{ready_video.pk}"' in html
    assert f'data-src="{ready_video.master_playlist_url}"' in html
    assert f'poster="{ready_video.poster_url}"' in html
    assert "vendor/hls.js/hls.light.min.js" in html
    assert "360p/index.m3u8" in html  # variants for Safari's quality menu
    assert "清晰度" in html


def test_it_renders_a_placeholder_for_a_video_in_processing(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "a.mp4", seconds=1))

    html = render_to_string("media/player.html", {"video": video})

    assert "<video" not in html and "视频正在处理中" in html


def test_it_shows_trainers_a_preview_page(
    ready_video: Video, personas: Personas, client_for: Callable[[Any], Any]
) -> None:
    url = reverse("media:preview", args=[ready_video.pk])

    page = client_for(personas.trainer).get(url)

    assert page.status_code == 200
    assert "党课" in page.content.decode() and "<video" in page.content.decode()
    assert client_for(personas.member.user).get(url).status_code == 404
    assert client_for(personas.trainer).get(reverse("media:preview", args=[999999])).status_code == 404
