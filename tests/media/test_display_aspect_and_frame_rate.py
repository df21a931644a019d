"""Renditions keep the picture's shape (display aspect, not stored pixels) and the source's own frame rate.

Every output is read back with ffmpeg itself (``builders.stream_facts``): size and sample aspect from what
``ffmpeg -i`` says, and the spacing of the frames from the packet timestamps of the segments."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from media.models import Video, VideoState
from media.processing.ladder import output_fps
from media.processing.playlists import read_master_playlist, read_media_playlist
from media.processing.probe import parse
from media.services import process_video, register_video_from_path
from tests.media import builders

NTSC = Fraction(30000, 1001)


def transcode(path: Path) -> Video:
    video = register_video_from_path(path)
    process_video(video.pk)
    video.refresh_from_db()
    assert video.state == VideoState.READY, video.failure_detail
    return video


def renditions(video: Video) -> dict[str, tuple[dict[str, str], builders.StreamFacts]]:
    """name -> (master playlist attributes, what ffmpeg reads from its first segment)."""
    folder = Path(settings.MEDIA_ROOT) / video.hls_dir
    found = {}
    for attributes, uri in read_master_playlist(folder / "master.m3u8"):
        playlist = read_media_playlist(folder / uri)
        found[uri.split("/")[0]] = (attributes, builders.stream_facts(playlist.path.parent / playlist.segments[0][0]))
    return found


def poster_aspect(video: Video) -> float:
    with Image.open(video.poster.path) as poster:
        return poster.width / poster.height


@pytest.mark.django_db
def test_it_keeps_a_16_9_pal_source_16_9_in_every_rendition_and_the_poster(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = transcode(builders.anamorphic(clip_dir / "pal-dv.mp4", size="720x576", sar="64/45", seconds=1))

    assert (video.width, video.height) == (1024, 576)  # the shape a player shows, not 720×576
    found = renditions(video)
    assert list(found) == ["480p", "360p"]  # no rung above the source's 576 lines
    for attributes, facts in found.values():
        assert facts.display_aspect == pytest.approx(16 / 9, rel=0.01), facts
        assert facts.width % 2 == 0 and facts.height % 2 == 0
        assert attributes["RESOLUTION"] == f"{facts.width}x{facts.height}"
    assert [facts.height for _, facts in found.values()] == [480, 360]
    assert poster_aspect(video) == pytest.approx(16 / 9, rel=0.01)


@pytest.mark.django_db
def test_it_keeps_the_shape_of_a_qcif_source_with_sample_aspect_128_117(clip_dir: Path, sent_tasks: list[int]) -> None:
    # The corpus clip carphone_*.mp4: 176×144 stored, 128:117 pixels, shown 1408:1053 (≈ 4:3).
    shown = 176 * 128 / 117 / 144
    video = transcode(builders.anamorphic(clip_dir / "carphone.mp4", size="176x144", sar="128/117", seconds=1,
                                       audio=False))

    [(attributes, facts)] = renditions(video).values()
    assert facts.display_aspect == pytest.approx(shown, rel=0.01), facts
    assert facts.height == 144 and facts.width % 2 == 0  # smaller than every rung: kept at its own size
    assert attributes["RESOLUTION"] == f"{facts.width}x144"
    assert poster_aspect(video) == pytest.approx(shown, rel=0.01)


@pytest.mark.django_db
def test_it_keeps_the_shape_of_an_anamorphic_phone_video_recorded_upright(clip_dir: Path, sent_tasks: list[int]) -> None:
    flat = builders.anamorphic(clip_dir / "flat.mp4", size="720x576", sar="64/45", seconds=1)
    video = transcode(builders.rotated(clip_dir / "upright.mp4", flat, degrees=90))

    assert (video.width, video.height) == (576, 1024)
    for _, facts in renditions(video).values():
        assert facts.display_aspect == pytest.approx(9 / 16, rel=0.01), facts
    assert poster_aspect(video) == pytest.approx(9 / 16, rel=0.01)


@pytest.mark.django_db
def test_it_keeps_a_29_97_fps_source_at_30000_1001_with_aligned_segments(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = transcode(builders.clip(clip_dir / "ntsc.mp4", size="854x480", rate="30000/1001", seconds=3))

    found = renditions(video)
    assert list(found) == ["480p", "360p"]
    for attributes, facts in found.values():
        assert attributes["FRAME-RATE"] == "29.970"
        assert (facts.fps, facts.tbr) == ("29.97", "29.97")
        assert facts.frame_steps == {1 / NTSC}, facts  # every frame 1001/30000 s after the one before
    folder = Path(settings.MEDIA_ROOT) / video.hls_dir
    timings = [[seconds for _, seconds in read_media_playlist(folder / name / "index.m3u8").segments] for name in found]
    assert timings[0] == timings[1]  # same cuts in every rung, so players can switch at any segment
    assert sum(timings[0]) == pytest.approx(3, abs=0.05)
    assert all(seconds == pytest.approx(30 / NTSC, abs=0.002) for seconds in timings[0][:-1]), timings  # 1 s of frames


@pytest.mark.django_db
def test_it_leaves_a_square_pixel_source_as_it_was(clip_dir: Path, sent_tasks: list[int]) -> None:
    video = transcode(builders.clip(clip_dir / "square.mp4", size="640x360", seconds=1))

    [(attributes, facts)] = renditions(video).values()
    assert (facts.width, facts.height, facts.sample_aspect) == (640, 360, 1)
    assert (attributes["RESOLUTION"], attributes["FRAME-RATE"]) == ("640x360", "25.000")
    assert (facts.fps, facts.frame_steps) == ("25", {Fraction(1, 25)})
    with Image.open(video.poster.path) as poster:
        assert poster.size == (640, 360)


@pytest.mark.parametrize(
    ("source", "limit", "kept"),
    [
        (29.97, 30, NTSC),
        (23.98, 30, Fraction(24000, 1001)),
        (59.94, 30, NTSC),  # every other frame, not 30 fps with a judder
        (50, 30, Fraction(25)),
        (60, 30, Fraction(30)),
        (12.5, 30, Fraction(25, 2)),
        (25, 30, Fraction(25)),
        (30, 25, Fraction(25)),  # half of 30 would be too slow: the limit itself
        (None, 30, Fraction(25)),
    ],
)
def test_it_keeps_the_sources_rational_frame_rate_within_the_limit(
    source: float | None, limit: int, kept: Fraction
) -> None:
    assert output_fps(source, limit) == kept


@pytest.mark.parametrize(
    ("stream", "sample_aspect", "display_size"),
    [
        ("176x144 [SAR 128:117 DAR 1408:1053], 9 kb/s, 29.97 fps", Fraction(128, 117), (193, 144)),  # 192.5 wide
        # A container's own aspect (MP4 pasp, Matroska) overrides the codec's, as ffmpeg's decoder does.
        ("720x576 [SAR 64:45 DAR 16:9], 3621 kb/s, SAR 16:15 DAR 4:3, 25 fps", Fraction(16, 15), (768, 576)),
        ("720x576 [SAR 0:1 DAR 0:1], 25 fps", Fraction(1), (720, 576)),  # unknown: square pixels
        ("640x360, 25 fps", Fraction(1), (640, 360)),
    ],
)
def test_it_reads_the_sample_aspect_into_the_display_size(
    stream: str, sample_aspect: Fraction, display_size: tuple[int, int]
) -> None:
    info = parse(
        "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'clip.mp4':\n"
        "  Duration: 00:00:04.00, start: 0.000000, bitrate: 14 kb/s\n"
        f"  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), {stream}, "
        "25 tbr, 30k tbn (default)\n"
    )

    assert info.sample_aspect == sample_aspect
    assert info.display_size == display_size
