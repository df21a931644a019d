"""Chromium, phone viewport: a lecture plays at 360p while 480p is still being made, the player says
转码中，当前为标清, and when 480p is added to the master playlist the quality menu offers it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from media.models import Video
from media.services import process_video, register_video_from_path, registration, transcoding
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.factories import Personas
from tests.media import builders

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_it_plays_360p_first_and_offers_480p_when_it_appears(
    live_server: Any, personas: Personas, browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registration, "_enqueue_after_commit", lambda video_id: None)
    video = register_video_from_path(builders.clip(tmp_path / "lecture.mp4", size="854x480", seconds=4),
                                     title="第五讲")
    between, release = threading.Event(), threading.Event()
    publish_more = transcoding._publish_more

    def hold(*args: Any, **kwargs: Any) -> None:
        between.set()
        release.wait(120)
        publish_more(*args, **kwargs)

    monkeypatch.setattr(transcoding, "_publish_more", hold)
    outcome: list[str] = []
    worker = threading.Thread(target=lambda: outcome.append(process_video(video.pk)))
    worker.start()
    try:
        assert between.wait(120)
        client = Client()
        client.force_login(personas.trainer)
        context = browser.new_context(locale="zh-CN", **PHONE)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(30_000)
        logs: list[str] = []
        page.on("console", lambda message: logs.append(message.text))
        page.on("pageerror", lambda error: logs.append(str(error)))
        page.goto(live_server.url + reverse("media:preview", args=[video.pk]))
        notice = page.locator("[data-upgrading]")
        assert notice.inner_text() == "转码中，当前为标清"
        page.evaluate("() => { const v = document.querySelector('video[data-video-id]'); v.muted = true; v.play(); }")
        page.wait_for_function("() => document.querySelector('video[data-video-id]').currentTime > 0.5")
        assert page.evaluate("() => document.querySelector('video[data-video-id]').dpsHls.levels.length") == 1
        page.screenshot(path=str(ARTIFACTS / "media-lowest-rung-first-360p.png"), full_page=True)
    finally:
        release.set()
        worker.join(180)
    assert outcome == ["ready"]
    # The player re-reads the master every 15 s; 480p appears in the menu and the notice goes.
    try:
        page.wait_for_function("() => document.querySelectorAll('.vplayer-quality option').length === 3",
                               timeout=40_000)
    except Exception:
        print("LOGS", logs, page.evaluate("() => [document.querySelector('video').dpsHls.levels.length, "
                                          "document.querySelector('[data-upgrading]').hidden]"))
        raise
    assert page.locator(".vplayer-quality option").all_inner_texts() == ["自动", "480p", "360p"]
    assert notice.is_hidden()
    assert page.evaluate("() => document.querySelector('video[data-video-id]').dpsHls.levels.length") == 2
    page.screenshot(path=str(ARTIFACTS / "media-lowest-rung-first-480p.png"), full_page=True)
    assert Video.objects.get(pk=video.pk).is_ready
    context.close()
