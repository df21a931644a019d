"""Signed segment URLs (MEDIA_SIGNED_SEGMENTS_KEY): Django checks permission at the rendition playlist and
lists each segment as a URL signed for the member's session and an expiry, in the form nginx's
secure_link_md5 verifies; without the key the playlist keeps relative names (every segment via Django)."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from media.access import register_video_access_check, unregister_video_access_check
from media.models import Video
from media.services import process_video, register_video_from_path
from tests.factories import Personas
from tests.media import builders

pytestmark = pytest.mark.django_db
KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def ready_video(clip_dir: Path, sent_tasks: list[int]) -> Video:
    video = register_video_from_path(builders.clip(clip_dir / "lesson.mp4", size="640x360", seconds=5), title="党课")
    assert process_video(video.pk) == "ready"
    video.refresh_from_db()
    return video


@pytest.fixture(autouse=True)
def lesson_of_branch_group_a(personas: Personas) -> Iterator[None]:
    """As if the video were in a lesson of 机关党总支 (what courses answers): videos fail closed for members."""
    members = {personas.member.user_id, personas.member_a2.user_id}

    def check(user: Any, video: Video) -> bool | None:
        return user.pk in members

    register_video_access_check(check)
    yield
    unregister_video_access_check(check)


def _rendition_playlist(client: Any, video: Video) -> tuple[Any, list[str]]:
    master = client.get(reverse("media:hls", kwargs={"pk": video.pk, "name": "master.m3u8"}))
    variant = next(line for line in b"".join(master.streaming_content).decode().splitlines()
                   if line and not line.startswith("#"))
    response = client.get(reverse("media:hls", kwargs={"pk": video.pk, "name": variant}))
    body = response.content.decode() if not response.streaming else b"".join(response.streaming_content).decode()
    return response, [line for line in body.splitlines() if line and not line.startswith("#")]


def _nginx_md5(expires: str, uri: str, session_key: str, key: str) -> str:
    digest = hashlib.md5(f"{expires}{uri}{session_key} {key}".encode()).digest()  # noqa: S324 - nginx's formula
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def test_it_lists_segments_signed_for_the_members_session(ready_video: Video, personas: Personas,
                                                          client_for: Callable[[Any], Any], settings: Any) -> None:
    settings.MEDIA_SIGNED_SEGMENTS_KEY = KEY
    settings.MEDIA_SIGNED_SEGMENTS_SECONDS = 3600
    client = client_for(personas.member.user)

    response, segments = _rendition_playlist(client, ready_video)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    assert response["Cache-Control"] == "private, max-age=60"
    assert len(segments) >= 2
    session_key = client.cookies["sessionid"].value
    hls_folder = ready_video.hls_dir.removeprefix("videos/hls/")
    for url in segments:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        assert parts.path.startswith(f"/hls-segments/{hls_folder}/")
        assert (Path(settings.MEDIA_ROOT) / "videos/hls" / parts.path.removeprefix("/hls-segments/")).is_file()
        expires = query["e"][0]
        assert time.time() + 3500 < int(expires) <= time.time() + 3600
        assert query["s"][0] == _nginx_md5(expires, parts.path, session_key, KEY)
        assert query["s"][0] != _nginx_md5(expires, parts.path, "another-session", KEY)


def test_it_gives_another_member_other_signatures_and_an_outsider_nothing(
    ready_video: Video, personas: Personas, client_for: Callable[[Any], Any], settings: Any
) -> None:
    settings.MEDIA_SIGNED_SEGMENTS_KEY = KEY
    _, mine = _rendition_playlist(client_for(personas.member.user), ready_video)
    _, theirs = _rendition_playlist(client_for(personas.member_a2.user), ready_video)

    assert [urlsplit(u).path for u in mine] == [urlsplit(u).path for u in theirs]
    assert {parse_qs(urlsplit(u).query)["s"][0] for u in mine}.isdisjoint(
        {parse_qs(urlsplit(u).query)["s"][0] for u in theirs})
    variant = reverse("media:hls", kwargs={"pk": ready_video.pk, "name": "360p/index.m3u8"})
    from django.test import Client

    assert Client().get(variant).status_code == 404  # not logged in: no playlist, no signatures


def test_it_keeps_relative_segment_names_without_a_key(ready_video: Video, personas: Personas,
                                                       client_for: Callable[[Any], Any], settings: Any) -> None:
    settings.MEDIA_SIGNED_SEGMENTS_KEY = ""

    _, segments = _rendition_playlist(client_for(personas.member.user), ready_video)

    assert segments and all(name.startswith("seg_") for name in segments)
