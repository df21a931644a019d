"""Content sniffing and the parsing of `ffmpeg -i` output, without running ffmpeg."""

from __future__ import annotations

import pytest

from media.processing.probe import ProbeError, parse
from media.sniff import sniff_media_container

ROTATED_PHONE = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'IMG_0001.MOV':
  Metadata:
    major_brand     : qt
  Duration: 00:01:02.50, start: 0.000000, bitrate: 16012 kb/s
  Stream #0:0[0x1](und): Video: hevc (Main) (hvc1 / 0x31637668), yuv420p(tv, bt709), 1920x1080, 15800 kb/s, 29.97 fps, 29.97 tbr, 600 tbn (default)
    Metadata:
      handler_name    : Core Media Video
    Side data:
      Display Matrix: rotation of -90.00 degrees
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 164 kb/s (default)
  Stream #0:2[0x3](und): Data: none (mebx / 0x7862656D), 0 kb/s (default)
At least one output file must be specified
"""

MP3_WITH_COVER = """Input #0, mp3, from 'talk.mp3':
  Duration: 00:45:00.01, start: 0.025057, bitrate: 128 kb/s
  Stream #0:0: Audio: mp3 (mp3float), 44100 Hz, stereo, fltp, 128 kb/s
  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 600x600 [SAR 1:1 DAR 1:1], 90k tbr, 90k tbn (attached pic)
"""


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "matroska"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "wav"),
        (b"ID3\x04\x00\x00\x00\x00", "mpeg-audio"),
        (b"\x47" + b"\x00" * 187 + b"\x47" + b"\x00" * 187 + b"\x47" + b"\x00" * 10, "mpegts"),
        (b"hello, this is text", None),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None),
        (b"%PDF-1.7\n", None),
        (b"", None),
    ],
)
def test_it_sniffs_containers_from_their_first_bytes(head: bytes, kind: str | None) -> None:
    assert sniff_media_container(head) == kind


def test_it_reads_rotation_and_display_size_of_a_phone_video() -> None:
    info = parse(ROTATED_PHONE)

    assert (info.video_codec, info.audio_codec) == ("hevc", "aac")
    assert (info.width, info.height, info.rotation) == (1920, 1080, 270)
    assert info.display_size == (1080, 1920)
    assert info.duration == pytest.approx(62.5)
    assert info.fps == pytest.approx(29.97) and not info.is_variable_frame_rate


def test_it_treats_cover_art_as_audio_only() -> None:
    info = parse(MP3_WITH_COVER)

    assert info.has_audio and not info.has_video and not info.is_image
    assert info.duration == pytest.approx(2700.01)


def test_it_raises_with_ffmpegs_words_when_there_is_no_input() -> None:
    with pytest.raises(ProbeError, match="Invalid data"):
        parse("[in#0 @ 0x1] moov atom not found\nError opening input: Invalid data found when processing input\n")
