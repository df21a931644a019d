"""Tiny media files generated with ffmpeg's lavfi sources for the media tests (not a test module)."""

from __future__ import annotations

import itertools
import re
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from media.processing import ffmpeg_binary


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args], check=True)


def clip(path: Path, *, size: str = "320x180", seconds: float = 2, rate: int | str = 25, audio: bool = True,
         extra: tuple[str, ...] = ()) -> Path:
    args = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:d={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:d={seconds}"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *extra]
    args += ["-c:a", "aac", "-shortest"] if audio else []
    ffmpeg(*args, str(path))
    return path


def audio_only(path: Path, seconds: float = 2) -> Path:
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency=440:d={seconds}", "-c:a", "aac", str(path))
    return path


def image(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", str(path))
    return path


def rotated(path: Path, source: Path, degrees: int = 90) -> Path:
    """``source`` with a display matrix, as phones record portrait video."""
    ffmpeg("-display_rotation", str(degrees), "-i", str(source), "-c", "copy", str(path))
    return path


def two_colours(path: Path, seconds: float = 1) -> Path:
    """320×180: left half red, right half blue, to see where the picture ends up after rotation."""
    ffmpeg("-f", "lavfi", "-i", f"color=red:size=160x180:rate=25:d={seconds}",
           "-f", "lavfi", "-i", f"color=blue:size=160x180:rate=25:d={seconds}",
           "-filter_complex", "[0:v][1:v]hstack", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           str(path))
    return path


def variable_frame_rate(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:d=2",
           "-vf", "setpts='if(lt(N,30),N*2,N+30)/30/TB'", "-fps_mode", "vfr",
           "-c:v", "libx264", "-preset", "ultrafast", str(path))
    return path


def truncated(path: Path, source: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def anamorphic(path: Path, *, size: str = "720x576", sar: str = "64/45", seconds: float = 2, rate: str = "25",
               audio: bool = True) -> Path:
    """Stored ``size`` with sample aspect ``sar``: PAL 16:9 DVD/DV footage is 720×576 at 64:45."""
    return clip(path, size=size, seconds=seconds, rate=rate, audio=audio, extra=("-vf", f"setsar={sar}"))


@dataclass(frozen=True)
class StreamFacts:
    """What ffmpeg reads back from an output file (read here, not with the code under test)."""

    width: int
    height: int
    sample_aspect: Fraction
    fps: str  # as ffmpeg prints avg_frame_rate: "29.97", "25"
    tbr: str  # r_frame_rate
    frame_steps: frozenset[Fraction]  # seconds between consecutive frames (presentation order)

    @property
    def display_aspect(self) -> float:
        return float(self.width * self.sample_aspect / self.height)


_STREAM_LINE = re.compile(
    r"Video: .*?, (\d+)x(\d+)(?: \[SAR (\d+):(\d+) DAR \d+:\d+\])?.*?, ([\d.]+) fps, ([\d.]+) tbr"
)


def stream_facts(path: Path) -> StreamFacts:
    said = subprocess.run([ffmpeg_binary(), "-hide_banner", "-nostdin", "-i", str(path)],
                          capture_output=True, text=True, check=False).stderr
    match = _STREAM_LINE.search(said)
    assert match, said
    width, height, sar_num, sar_den, fps, tbr = match.groups()
    crc = subprocess.run([ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path),
                          "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-"],
                         capture_output=True, text=True, check=True).stdout
    header = re.search(r"^#tb 0: (\d+/\d+)$", crc, re.MULTILINE)
    assert header, crc
    time_base = Fraction(header.group(1))
    stamps = sorted(int(line.split(",")[2]) for line in crc.splitlines() if line and not line.startswith("#"))
    steps = frozenset((later - earlier) * time_base for earlier, later in itertools.pairwise(stamps))
    sample_aspect = Fraction(int(sar_num), int(sar_den)) if sar_num and int(sar_den) and int(sar_num) else Fraction(1)
    return StreamFacts(int(width), int(height), sample_aspect, fps, tbr, steps)
