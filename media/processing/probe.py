"""Probe a media file by parsing what ``ffmpeg -i FILE`` prints (works without ffprobe)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from fractions import Fraction

from .binary import ffmpeg_binary

IMAGE_FORMATS = {"image2", "gif", "webp", "apng", "svg"}
IMAGE_CODECS = {"png", "mjpeg", "bmp", "gif", "webp", "tiff", "jpeg2000", "jpegls", "svg", "apng", "qoi", "jpegxl"}

_INPUT = re.compile(r"^Input #0, (?P<format>.+?), from ", re.MULTILINE)
_DURATION = re.compile(r"Duration: (?:(?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d(?:\.\d+)?)|N/A)")
_BITRATE = re.compile(r"bitrate: (\d+) kb/s")
_STREAM = re.compile(r"^\s*Stream #0:(?P<index>\d+)[^:]*: (?P<kind>Video|Audio|Subtitle|Data|Attachment): (?P<rest>.*)$")
_SIZE = re.compile(r"(?:^|[ ,])(\d{1,5})x(\d{1,5})(?=[ ,\[]|$)")
# "[SAR 64:45 DAR 16:9]" is the codec's; a container's own (MP4 pasp, Matroska display size) follows
# unbracketed when it differs, and it is the one ffmpeg's decoder applies.
_SAR = re.compile(r"SAR (\d+):(\d+) DAR \d+:\d+")
_FPS = re.compile(r"([\d.]+)(k?) fps")
_TBR = re.compile(r"([\d.]+)(k?) tbr")
_ROTATION = re.compile(r"rotation of (-?[\d.]+) degrees")
_SAMPLE_RATE = re.compile(r"(\d+) Hz")


class ProbeError(Exception):
    """ffmpeg could not open the file as media. ``detail`` holds what ffmpeg said."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class ProbeResult:
    format_name: str
    duration: float | None
    bitrate_kbps: int | None
    video_codec: str = ""
    width: int = 0
    height: int = 0
    fps: float | None = None
    tbr: float | None = None
    rotation: int = 0
    sample_aspect: Fraction = Fraction(1)  # SAR: the shape of one stored pixel (64:45 for 16:9 PAL DV)
    audio_codec: str = ""
    sample_rate: int | None = None

    @property
    def has_video(self) -> bool:
        return bool(self.video_codec)

    @property
    def has_audio(self) -> bool:
        return bool(self.audio_codec)

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as shown, in square pixels: the stored width stretched (or narrowed) by the
        sample aspect ratio, then the rotation a phone recorded applied. 720×576 at 64:45 is 1024×576."""
        width = max(1, round(self.width * self.sample_aspect)) if self.width else 0
        if abs(self.rotation) % 180 == 90:
            return self.height, width
        return width, self.height

    @property
    def is_image(self) -> bool:
        if self.format_name.endswith("_pipe") or self.format_name in IMAGE_FORMATS:
            return True
        return self.video_codec in IMAGE_CODECS and not self.has_audio and not self.duration

    @property
    def is_variable_frame_rate(self) -> bool:
        return bool(self.fps and self.tbr and abs(self.fps - self.tbr) > 0.5)


def _rate(match: re.Match[str] | None) -> float | None:
    if not match:
        return None
    value = float(match.group(1)) * (1000 if match.group(2) else 1)
    return value or None


def parse(stderr: str) -> ProbeResult:
    input_match = _INPUT.search(stderr)
    if not input_match:
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        raise ProbeError("\n".join(lines[-4:]) or "ffmpeg printed nothing")
    duration_match = _DURATION.search(stderr)
    duration = None
    if duration_match and duration_match.group("h") is not None:
        duration = int(duration_match.group("h")) * 3600 + int(duration_match.group("m")) * 60 + float(
            duration_match.group("s")
        )
    bitrate_match = _BITRATE.search(stderr)
    fields: dict[str, object] = {}
    lines = stderr.splitlines()
    for number, line in enumerate(lines):
        stream = _STREAM.match(line)
        if not stream:
            continue
        rest = stream.group("rest")
        codec = rest.split(maxsplit=1)[0].rstrip(",") if rest.strip() else ""
        if stream.group("kind") == "Video" and "video_codec" not in fields and "(attached pic)" not in rest:
            size = _SIZE.search(rest)
            fields.update(video_codec=codec, fps=_rate(_FPS.search(rest)), tbr=_rate(_TBR.search(rest)))
            if size:
                fields.update(width=int(size.group(1)), height=int(size.group(2)))
            for sar in _SAR.finditer(rest):  # the last one wins; "SAR 0:1" means unknown: square
                if int(sar.group(1)) and int(sar.group(2)):
                    fields["sample_aspect"] = Fraction(int(sar.group(1)), int(sar.group(2)))
            for following in lines[number + 1 :]:  # the stream's metadata and side data
                if _STREAM.match(following) or not following.startswith("    "):
                    break
                rotation = _ROTATION.search(following)
                if rotation:
                    fields["rotation"] = round(float(rotation.group(1))) % 360
        elif stream.group("kind") == "Audio" and "audio_codec" not in fields:
            rate = _SAMPLE_RATE.search(rest)
            fields.update(audio_codec=codec, sample_rate=int(rate.group(1)) if rate else None)
    return ProbeResult(
        format_name=input_match.group("format"),
        duration=duration,
        bitrate_kbps=int(bitrate_match.group(1)) if bitrate_match else None,
        **fields,  # type: ignore[arg-type]
    )


def probe(path: str, *, timeout: float = 120) -> ProbeResult:
    try:
        completed = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [ffmpeg_binary(), "-hide_banner", "-nostdin", "-i", path],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ProbeError("ffmpeg -i timed out") from None
    return parse(completed.stderr.decode("utf-8", "replace"))
