"""The video chooser of lesson pages shows each video's poster thumbnail, length and state (a failed one with
its reason), with Chinese column headers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from django.urls import reverse

from media.models import Video, VideoState
from media.services import process_video, register_video_from_path
from tests.factories import Personas
from tests.media import builders

pytestmark = pytest.mark.django_db


def test_the_chooser_shows_thumbnail_length_and_state(
    clip_dir: Path, personas: Personas, client_for: Callable[[Any], Any], sent_tasks: list[int]
) -> None:
    ready = register_video_from_path(builders.clip(clip_dir / "a.mp4", seconds=2), title="廉政教育")
    assert process_video(ready.pk) == "ready"
    failed = register_video_from_path(builders.clip(clip_dir / "b.mp4", seconds=1), title="坏视频")
    Video.objects.filter(pk=failed.pk).update(state=VideoState.FAILED, failure_reason="无法解码视频流")
    register_video_from_path(builders.clip(clip_dir / "c.mp4", seconds=1), title="排队视频")

    response = client_for(personas.trainer).get(reverse("wagtailsnippetchoosers_media_video:choose"))
    assert response.status_code == 200
    table = lxml.html.fromstring(response.json()["html"])
    headers = [th.text_content().strip() for th in table.xpath("//thead//th")]
    assert headers == ["封面", "标题", "时长", "状态"]
    rows = {row.xpath(".//td")[1].text_content().strip(): row for row in table.xpath("//tbody/tr")}
    assert set(rows) == {"廉政教育", "坏视频", "排队视频"}
    ready_cells = rows["廉政教育"].xpath(".//td")
    [img] = ready_cells[0].xpath(".//img")
    assert img.get("src") == reverse("media:poster", kwargs={"pk": ready.pk, "size": "small"})
    assert ready_cells[2].text_content().strip() == "0:02" and "可播放" in ready_cells[3].text_content()
    assert client_for(personas.trainer).get(img.get("src")).status_code == 200  # the trainer may see it
    failed_cells = rows["坏视频"].xpath(".//td")
    assert failed_cells[0].xpath(".//img") == [] and "无法解码视频流" in failed_cells[3].text_content()
    assert "排队" in rows["排队视频"].xpath(".//td")[3].text_content()
    results = client_for(personas.trainer).get(reverse("wagtailsnippetchoosers_media_video:choose_results"),
                                               {"q": "廉政"})
    assert "0:02" in results.content.decode() and "坏视频" not in results.content.decode()
