"""Lowest rung first: a lecture becomes watchable at 360p while the higher rungs are still being made.

王老师 uploads an 854×480 lecture (ladder 480p + 360p). Between the two ffmpeg runs the video is still
``processing`` but playable: the master playlist names 360p only, 小明 (whose lesson uses it) can fetch it, the
player says 转码中，当前为标清 and the admin lists 360p ready and 480p transcoding. Then 480p is added, the video
is ready, the master names both. A failure of the higher rungs fails the video (nothing is served). A long
lecture, transcoded in chunks, likewise: the 360p of every chunk is made and published before any higher rung.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from media import access
from media.models import ChunkKind, ChunkState, Video, VideoChunk, VideoState
from media.processing.playlists import read_master_playlist
from media.services import chunked, process_video, register_video_from_path, transcoding
from media.services.failures import Rejected
from school.celery import app
from tests.factories import Personas
from tests.media import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson_uses_every_video() -> Iterator[None]:
    def allow(user: Any, video: Video) -> bool:
        return True

    access.register_video_access_check(allow)
    yield
    access.unregister_video_access_check(allow)


def master(video: Video) -> list[str]:
    return [uri for _, uri in read_master_playlist(Path(settings.MEDIA_ROOT) / video.hls_dir / "master.m3u8")]


def test_the_lecture_plays_at_360p_while_480p_is_made_then_both(
    clip_dir: Path, sent_tasks: list[int], personas: Personas, client_for: Callable[[Any], Any],
    lesson_uses_every_video: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "lecture.mp4", size="854x480", seconds=2),
                                     title="第四讲")
    seen: dict[str, Any] = {}
    publish_more = transcoding._publish_more

    def look_between_the_runs(*args: Any, **kwargs: Any) -> None:
        current = Video.objects.get(pk=video.pk)
        seen["state"], seen["playable"] = current.state, current.is_playable
        seen["renditions"] = list(current.renditions.values_list("name", flat=True))
        seen["master"] = master(current)
        seen["rungs"] = current.rung_states()
        member = client_for(personas.member.user)
        response = member.get(reverse("media:hls", kwargs={"pk": video.pk, "name": "master.m3u8"}))
        seen["member_master"] = response.status_code, b"".join(response).decode()
        segment = member.get(reverse("media:hls", kwargs={"pk": video.pk, "name": "360p/index.m3u8"}))
        seen["member_360p"] = segment.status_code
        seen["player"] = render_to_string("media/player.html", {"video": current})
        trainer = client_for(personas.trainer)
        seen["admin"] = trainer.get(reverse("wagtailsnippets_media_video:list")).content.decode()
        publish_more(*args, **kwargs)

    monkeypatch.setattr(transcoding, "_publish_more", look_between_the_runs)
    timings = transcoding.Timings()
    assert process_video(video.pk, timings) == "ready"

    assert seen["state"] == VideoState.PROCESSING and seen["playable"] is True
    assert seen["renditions"] == ["360p"] and seen["master"] == ["360p/index.m3u8"]
    assert seen["rungs"] == [("360p", "ready"), ("480p", "processing")]
    status, body = seen["member_master"]
    assert status == 200 and "360p/index.m3u8" in body and "480p" not in body
    assert seen["member_360p"] == 200
    assert "转码中，当前为标清" in seen["player"] and 'data-planned-rungs="2"' in seen["player"]
    assert 'data-rung="360p" data-rung-state="ready">360p 已完成' in seen["admin"]
    assert 'data-rung="480p" data-rung-state="processing">480p 转码中' in seen["admin"]
    assert "学员已可观看" in seen["admin"]
    assert 0 < timings.playable < timings.total and len(timings.stage_args) == 2

    video.refresh_from_db()
    assert video.state == VideoState.READY and video.progress == 100
    assert master(video) == ["480p/index.m3u8", "360p/index.m3u8"]
    assert sorted(video.renditions.values_list("name", flat=True)) == ["360p", "480p"]
    assert video.rung_states() == [("360p", "ready"), ("480p", "ready")]
    player = render_to_string("media/player.html", {"video": video})
    assert "转码中" not in player and "data-planned-rungs" not in player
    assert list((Path(settings.MEDIA_ROOT) / "videos" / "tmp").glob("*")) == []  # every stage folder removed


def test_a_failure_of_the_higher_rungs_fails_the_video_and_nothing_is_served(
    clip_dir: Path, sent_tasks: list[int], personas: Personas, client_for: Callable[[Any], Any],
    lesson_uses_every_video: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    video = register_video_from_path(builders.clip(clip_dir / "lecture.mp4", size="854x480", seconds=1))

    def broken(*args: Any, **kwargs: Any) -> None:
        raise Rejected(transcoding.failures.TRANSCODE_FAILED, "480p: encoder died")

    monkeypatch.setattr(transcoding, "_publish_more", broken)
    assert process_video(video.pk) == "failed"
    video.refresh_from_db()
    assert video.state == VideoState.FAILED and not video.playable and not video.is_playable
    assert video.rung_states() == [("360p", "failed"), ("480p", "failed")]
    response = client_for(personas.member.user).get(reverse("media:hls", kwargs={"pk": video.pk,
                                                                               "name": "master.m3u8"}))
    assert response.status_code == 404


def test_a_single_rung_or_audio_only_source_is_one_run(clip_dir: Path, sent_tasks: list[int]) -> None:
    small = register_video_from_path(builders.clip(clip_dir / "small.mp4", size="640x360", seconds=1))
    timings = transcoding.Timings()
    assert process_video(small.pk, timings) == "ready"
    assert len(timings.stage_args) == 1
    small.refresh_from_db()
    assert small.planned_rungs == ["360p"] and small.rung_states() == [("360p", "ready")]


@pytest.fixture
def eager_celery() -> Iterator[None]:
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # each sent task runs at once, in order: one worker
    yield
    app.conf.task_always_eager = eager


def test_a_long_lecture_in_chunks_plays_at_360p_before_any_higher_rung_is_made(
    clip_dir: Path, settings: Any, eager_celery: None, personas: Personas, client_for: Callable[[Any], Any],
    lesson_uses_every_video: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.MEDIA_CHUNK_THRESHOLD_SECONDS = 5
    settings.MEDIA_CHUNK_SECONDS = 3  # keyframes every second: chunks of about 3 s
    settings.MEDIA_X264_PRESET_FIRST = "superfast"
    video = register_video_from_path(builders.clip(clip_dir / "lecture.mp4", size="854x480", seconds=10,
                                                   extra=("-g", "25")), title="第五讲（长）")
    events: list[tuple[Any, ...]] = []
    run_chunk, publish, publish_more = chunked._run_chunk, transcoding._publish, transcoding._publish_more
    commands: list[list[str]] = []
    ffmpeg = chunked._ffmpeg

    def record_chunk(video: Video, chunk: VideoChunk, token: str, workdir: Path) -> None:
        events.append((chunk.kind, chunk.stage))
        run_chunk(video, chunk, token, workdir)

    def record_ffmpeg(args: list[str], *rest: Any) -> None:
        commands.append(args)
        ffmpeg(args, *rest)

    def look_when_playable(*args: Any, **kwargs: Any) -> None:
        publish(*args, **kwargs)
        events.append(("published", 0))
        current = Video.objects.get(pk=video.pk)
        events.append(("seen", current.state, current.is_playable, master(current),
                       list(current.renditions.values_list("name", flat=True)), current.rung_states()))
        member = client_for(personas.member.user)
        response = member.get(reverse("media:hls", kwargs={"pk": video.pk, "name": "master.m3u8"}))
        events.append(("member", response.status_code, b"".join(response).decode()))
        events.append(("player", render_to_string("media/player.html", {"video": current})))

    def record_more(*args: Any, **kwargs: Any) -> None:
        publish_more(*args, **kwargs)
        events.append(("added", master(Video.objects.get(pk=video.pk))))

    monkeypatch.setattr(chunked, "_run_chunk", record_chunk)
    monkeypatch.setattr(chunked, "_ffmpeg", record_ffmpeg)
    monkeypatch.setattr(transcoding, "_publish", look_when_playable)
    monkeypatch.setattr(transcoding, "_publish_more", record_more)

    assert process_video(video.pk) == "chunked"

    video.refresh_from_db()
    assert video.state == VideoState.READY, video.failure_detail
    steps = VideoChunk.objects.filter(video=video, run_token=video.claim_token)
    chunk_count = steps.filter(kind=ChunkKind.VIDEO, stage=0).count()
    assert chunk_count >= 3 and steps.filter(kind=ChunkKind.VIDEO, stage=1).count() == chunk_count
    assert set(steps.values_list("state", flat=True)) == {ChunkState.DONE}
    # One worker: every chunk's 360p (and the 360p audio), then the 360p is published, then the higher rungs.
    order = [event[:2] for event in events if event[0] in (ChunkKind.VIDEO, ChunkKind.AUDIO, "published")]
    published_at = order.index(("published", 0))
    assert sorted(order[:published_at]) == sorted([(ChunkKind.VIDEO, 0)] * chunk_count + [(ChunkKind.AUDIO, 0)])
    assert all(stage == 1 for _, stage in order[published_at + 1:]) and order[published_at + 1:]
    seen = next(event for event in events if event[0] == "seen")
    assert seen[1:] == (VideoState.PROCESSING, True, ["360p/index.m3u8"], ["360p"],
                        [("360p", "ready"), ("480p", "processing")])
    _, status, body = next(event for event in events if event[0] == "member")
    assert status == 200 and "360p/index.m3u8" in body and "480p" not in body
    assert "转码中，当前为标清" in next(event for event in events if event[0] == "player")[1]
    assert [event for event in events if event[0] == "added"] == [("added", ["480p/index.m3u8", "360p/index.m3u8"])]
    # The lowest rung's chunks use the first preset, the higher rungs' the ladder's.
    encodes = [args for args in commands if "libx264" in args]
    assert {args[args.index("-preset") + 1] for args in encodes if "360p.mp4" in args[-1]} == {"superfast"}
    assert {args[args.index("-preset") + 1] for args in encodes if "480p.mp4" in args[-1]} == {"ultrafast"}
    assert master(video) == ["480p/index.m3u8", "360p/index.m3u8"]
    assert video.rung_states() == [("360p", "ready"), ("480p", "ready")] and video.progress == 100
    assert not list((Path(settings.MEDIA_ROOT) / "videos" / "tmp").glob(f"{video.storage_key}-*"))
