"""Chromium plays the HLS ladder through the player include (hls.js over Media Source)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from media.services import process_video, register_video_from_path
from tests.factories import Personas
from tests.media import builders

pytestmark = pytest.mark.e2e


@pytest.fixture
def static_files(settings: Any) -> None:
    # The live server serves /static/ from the finders; make sure the vendored player is there.
    assert (Path(settings.BASE_DIR) / "static" / "vendor" / "hls.js" / "hls.light.min.js").is_file()


def test_it_plays_the_ladder_in_chromium_and_switches_quality(
    live_server: Any, personas: Personas, browser: Any, static_files: None, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from media.services import registration

    monkeypatch.setattr(registration, "_enqueue_after_commit", lambda video_id: None)
    video = register_video_from_path(builders.clip(tmp_path / "lesson.mp4", size="854x480", seconds=4), title="党课")
    assert process_video(video.pk) == "ready"
    video.refresh_from_db()
    client = Client()
    client.force_login(personas.trainer)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    context = browser.new_context(locale="zh-CN")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + reverse("media:preview", args=[video.pk]))

    element = page.locator(f"video[data-video-id='{video.pk}']")
    assert element.get_attribute("poster") == video.poster_url
    page.evaluate("""() => {
        const video = document.querySelector('video[data-video-id]');
        window.heard = {timeupdate: 0, quality: null, ready: null};
        video.addEventListener('timeupdate', () => { window.heard.timeupdate += 1; });
        video.addEventListener('dps-player:quality', (event) => { window.heard.quality = event.detail; });
    }""")
    page.wait_for_function("() => document.querySelectorAll('.vplayer-quality option').length === 3", timeout=20000)
    page.evaluate("() => { const v = document.querySelector('video[data-video-id]'); v.muted = true; v.play(); }")
    page.wait_for_function("() => document.querySelector('video[data-video-id]').currentTime > 1.0", timeout=30000)

    assert page.locator(".vplayer-quality option").all_inner_texts() == ["自动", "480p", "360p"]
    page.select_option(".vplayer-quality", label="360p")
    page.wait_for_function("() => window.heard.quality !== null", timeout=10000)
    assert page.evaluate("() => window.heard.quality.height") == 360
    assert page.evaluate("() => document.querySelector('video[data-video-id]').dpsHls.currentLevel") >= 0
    assert page.evaluate("() => window.heard.timeupdate") > 0
    assert not errors, errors
    context.close()


