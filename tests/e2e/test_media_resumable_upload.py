"""Chromium: 王老师 uploads a lecture on the resumable upload page; the connection drops mid-upload and the
page is reloaded, and the upload still reaches the end from the last acknowledged offset."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from media.models import Upload, UploadState, Video
from media.services import registration
from tests.e2e.conftest import ARTIFACTS
from tests.factories import Personas
from tests.media import builders

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CHUNK = 512 * 1024


@pytest.fixture
def lecture(tmp_path: Path) -> Path:
    path = builders.clip(tmp_path / "第三讲.mp4", seconds=1)
    with path.open("ab") as handle:
        handle.write(os.urandom(6 * 1024 * 1024))
    return path


def test_the_upload_survives_a_dropped_connection_and_a_reload(
    live_server: Any, personas: Personas, browser: Any, lecture: Path, settings: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registration, "_enqueue_after_commit", lambda video_id: None)
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.MEDIA_UPLOAD_CHUNK_BYTES = CHUNK
    client = Client()
    client.force_login(personas.trainer)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME]
                          .value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    patches = {"seen": 0, "dropped": 0}

    def slow_and_flaky(route: Any) -> None:
        if route.request.method != "PATCH":
            route.continue_()
            return
        patches["seen"] += 1
        if patches["seen"] == 3:  # the connection drops during the third piece
            patches["dropped"] += 1
            route.abort("connectionreset")
            return
        time.sleep(0.4)  # a slow line, so that the page can be reloaded mid-upload
        route.continue_()

    page.route("**/videos/uploads/**", slow_and_flaky)
    page.goto(live_server.url + reverse("wagtailsnippets_media_video:list"))
    page.get_by_role("link", name="上传视频").first.click()
    assert page.url.endswith(reverse("wagtailsnippets_media_video:upload"))
    page.fill("#dps-upload-title", "第三讲 党的组织建设")
    page.set_input_files("#dps-upload-file", str(lecture))
    page.click("[data-upload-start]")

    # The dropped piece is retried; the page says so and keeps going.
    page.wait_for_function("() => window.dpsUpload.offsets.length >= 4")
    assert patches["dropped"] == 1
    page.screenshot(path=str(ARTIFACTS / "media-resumable-upload-progress.png"), full_page=True)
    progress = page.inner_text("[data-upload-progress]")
    assert "/s" in progress and "秒" in progress and " / " in progress, progress
    acknowledged = Upload.objects.get().offset
    assert acknowledged >= 3 * CHUNK

    # A reload mid-upload: the page lists the unfinished upload; choosing the same file continues it.
    page.reload()
    page.wait_for_selector("[data-upload-pending]:not([hidden])")
    assert "有未完成的上传" in page.inner_text("[data-upload-pending]")
    page.screenshot(path=str(ARTIFACTS / "media-resumable-upload-after-reload.png"), full_page=True)
    page.fill("#dps-upload-title", "第三讲 党的组织建设")
    page.set_input_files("#dps-upload-file", str(lecture))
    page.click("[data-upload-start]")
    page.wait_for_function("() => window.dpsUpload.state === 'done'", timeout=60_000)
    assert page.evaluate("() => window.dpsUpload.resumedFrom") is not None
    first_offset_after_reload = page.evaluate("() => window.dpsUpload.offsets[0]")
    assert first_offset_after_reload > acknowledged  # nothing before the acknowledged offset was sent again
    assert "已加入转码队列" in page.inner_text("[data-upload-status]")
    page.screenshot(path=str(ARTIFACTS / "media-resumable-upload-done.png"), full_page=True)

    video = Video.objects.get()
    assert Path(video.original.path).read_bytes() == lecture.read_bytes()
    assert video.title == "第三讲 党的组织建设" and video.original_name == "第三讲.mp4"
    assert Upload.objects.get().state == UploadState.DONE
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('tus::')).length") == 0

    # Cancel: a second upload is stopped after its first piece; the part already sent is deleted.
    page.goto(live_server.url + reverse("wagtailsnippets_media_video:upload"))
    page.set_input_files("#dps-upload-file", str(lecture))
    page.click("[data-upload-start]")
    page.wait_for_function("() => window.dpsUpload.offsets.length >= 1")
    page.click("[data-upload-cancel]")
    page.wait_for_function("() => window.dpsUpload.state === 'cancelled'")
    assert "已删除" in page.inner_text("[data-upload-status]")
    assert list(Upload.objects.values_list("state", flat=True)) == [UploadState.DONE]  # only the finished one
    assert list((Path(settings.MEDIA_ROOT) / "videos" / "partial").glob("*.part")) == []
    assert Video.objects.count() == 1
    assert errors == []
    context.close()

