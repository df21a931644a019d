"""Tiny media files generated with ffmpeg's lavfi sources for the media tests (not a test module)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from media.processing import ffmpeg_binary


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args], check=True)


def clip(path: Path, *, size: str = "320x180", seconds: float = 2, rate: int = 25, audio: bool = True,
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
