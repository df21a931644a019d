from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from media.models import Video, VideoState
from media.processing.playlists import read_master_playlist, read_media_playlist
from media.services import process_video, register_video_from_path
from tests.media import builders

pytestmark = pytest.mark.django_db


def transcode(path: Path, **kwargs: object) -> Video:
    video = register_video_from_path(path, **kwargs)  # type: ignore[arg-type]
    process_video(video.pk)
    video.refresh_from_db()
    return video


def published(video: Video) -> Path:
    return Path(settings.MEDIA_ROOT) / video.hls_dir


def test_it_transcodes_a_clip_into_a_ladder_without_upscaling(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = transcode(builders.clip(clip_dir / "talk.mp4", size="640x360", seconds=3), title="讲座")

    assert video.state == VideoState.READY, video.failure_detail
    assert video.progress == 100
    assert (video.width, video.height, video.video_codec, video.audio_codec) == (640, 360, "h264", "aac")
    assert video.duration == pytest.approx(3, abs=0.1)
    assert len(video.checksum) == 64 and video.size_bytes == Path(video.original.path).stat().st_size
    variants = read_master_playlist(published(video) / "master.m3u8")
    assert [uri for _, uri in variants] == ["360p/index.m3u8"]  # 480p and up would be upscaling
    attributes = variants[0][0]
    assert attributes["RESOLUTION"] == "640x360"
    assert attributes["CODECS"] == "avc1.4d401e,mp4a.40.2"
    playlist = read_media_playlist(published(video) / "360p" / "index.m3u8")
    assert playlist.ended and playlist.duration == pytest.approx(3, abs=0.1)
    segment_bits = [(playlist.path.parent / name).stat().st_size * 8 / seconds for name, seconds in playlist.segments]
    assert int(attributes["BANDWIDTH"]) == int(max(segment_bits))
    assert int(attributes["AVERAGE-BANDWIDTH"]) <= int(attributes["BANDWIDTH"])
    rendition = video.renditions.get()
    assert (rendition.name, rendition.width, rendition.height) == ("360p", 640, 360)
    assert rendition.bandwidth == int(attributes["BANDWIDTH"])
    assert Path(video.poster.path).is_file()
    assert (published(video) / "poster-small.jpg").is_file()
    assert Path(video.original.path).is_file()  # the original is kept
    assert not list((Path(settings.MEDIA_ROOT) / "videos" / "tmp").iterdir())


def test_it_makes_several_rungs_with_aligned_segments(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = transcode(builders.clip(clip_dir / "hd.mp4", size="854x480", seconds=2))

    assert video.state == VideoState.READY, video.failure_detail
    variants = read_master_playlist(published(video) / "master.m3u8")
    assert [uri for _, uri in variants] == ["480p/index.m3u8", "360p/index.m3u8"]
    assert [v["RESOLUTION"] for v, _ in variants] == ["854x480", "640x360"]
    bandwidths = [int(v["BANDWIDTH"]) for v, _ in variants]
    assert bandwidths == sorted(bandwidths, reverse=True)
    durations = [[seconds for _, seconds in read_media_playlist(published(video) / uri).segments] for _, uri in variants]
    assert durations[0] == durations[1]  # same keyframes, so players can switch rungs at any segment


def test_it_is_safe_to_run_twice(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = transcode(builders.clip(clip_dir / "a.mp4", seconds=1))
    before = video.updated_at

    assert process_video(video.pk) == "done"

    video.refresh_from_db()
    assert video.state == VideoState.READY and video.updated_at == before and video.attempts == 1


def test_it_makes_an_audio_ladder_and_a_poster_for_audio_only_sources(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = transcode(builders.audio_only(clip_dir / "voice.m4a"))

    assert video.state == VideoState.READY, video.failure_detail
    assert video.is_audio_only and video.width is None
    variants = read_master_playlist(published(video) / "master.m3u8")
    assert [(v["CODECS"], uri) for v, uri in variants] == [("mp4a.40.2", "audio/index.m3u8")]
    assert "RESOLUTION" not in variants[0][0]
    assert read_media_playlist(published(video) / "audio" / "index.m3u8").duration == pytest.approx(2, abs=0.1)
    assert Path(video.poster.path).is_file()


def test_it_transcodes_a_video_without_audio(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = transcode(builders.clip(clip_dir / "silent.mp4", audio=False))

    assert video.state == VideoState.READY, video.failure_detail
    assert video.audio_codec == ""
    variants = read_master_playlist(published(video) / "master.m3u8")
    assert variants[0][0]["CODECS"] == "avc1.4d401e"


def test_it_respects_the_rotation_of_phone_video(clip_dir: Path, sent_tasks: list[int]) -> None:
    from PIL import Image

    source = builders.rotated(clip_dir / "phone.mp4", builders.two_colours(clip_dir / "flat.mp4"), degrees=90)
    video = transcode(source)

    assert video.state == VideoState.READY, video.failure_detail
    assert (video.width, video.height, video.rotation) == (180, 320, 90)
    variants = read_master_playlist(published(video) / "master.m3u8")
    assert variants[0][0]["RESOLUTION"] == "180x320"
    with Image.open(video.poster.path) as poster:
        assert poster.size == (180, 320)
        rgb = poster.convert("RGB")
        top, bottom = rgb.getpixel((90, 40)), rgb.getpixel((90, 280))
    # 90° counter-clockwise: the right (blue) half ends up on top, the left (red) half at the bottom.
    assert top[2] > 150 and top[0] < 100, top  # type: ignore[index]
    assert bottom[0] > 150 and bottom[2] < 100, bottom  # type: ignore[index]


def test_it_turns_variable_frame_rate_into_constant_segments(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = transcode(builders.variable_frame_rate(clip_dir / "vfr.mp4"))

    assert video.state == VideoState.READY, video.failure_detail
    variants = read_master_playlist(published(video) / "master.m3u8")
    assert variants[0][0]["FRAME-RATE"] == "20.000"
    playlist = read_media_playlist(published(video) / variants[0][1])
    assert playlist.duration == pytest.approx(video.duration, abs=0.15)
