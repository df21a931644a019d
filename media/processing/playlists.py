"""Read the rendition playlists ffmpeg wrote and write the master playlist from what they hold.

BANDWIDTH is the peak bitrate of any segment (what the HLS specification asks for), measured from
the files, and AVERAGE-BANDWIDTH the mean over the whole rendition, so players pick rungs that the
connection can really carry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .ladder import Rung

_EXTINF = re.compile(r"^#EXTINF:([\d.]+)")


@dataclass
class MediaPlaylist:
    path: Path
    segments: list[tuple[str, float]] = field(default_factory=list)  # (file name, seconds)
    ended: bool = False

    @property
    def duration(self) -> float:
        return sum(seconds for _, seconds in self.segments)


def read_media_playlist(path: Path) -> MediaPlaylist:
    playlist = MediaPlaylist(path)
    pending: float | None = None
    for line in path.read_text().splitlines():
        line = line.strip()
        match = _EXTINF.match(line)
        if match:
            pending = float(match.group(1))
        elif line == "#EXT-X-ENDLIST":
            playlist.ended = True
        elif line and not line.startswith("#") and pending is not None:
            playlist.segments.append((line, pending))
            pending = None
    return playlist


@dataclass(frozen=True)
class Measured:
    rung: Rung
    playlist: MediaPlaylist
    peak_bps: int
    average_bps: int
    total_bytes: int


def measure(rung: Rung, playlist: MediaPlaylist) -> Measured:
    folder = playlist.path.parent
    sizes = [(folder / name).stat().st_size for name, _ in playlist.segments]
    total = sum(sizes)
    duration = playlist.duration or 1.0
    rates = [size * 8 / seconds for size, (_, seconds) in zip(sizes, playlist.segments, strict=True) if seconds >= 0.5]
    average = int(total * 8 / duration)
    peak = int(max(rates)) if rates else average
    return Measured(rung, playlist, max(peak, average), average, total)


def master_playlist(measured: list[Measured], fps: Fraction | float, *, has_audio: bool = True) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for item in sorted(measured, key=lambda m: m.peak_bps, reverse=True):
        attributes = [f"BANDWIDTH={item.peak_bps}", f"AVERAGE-BANDWIDTH={item.average_bps}"]
        if not item.rung.is_audio:
            attributes += [f"RESOLUTION={item.rung.width}x{item.rung.height}", f"FRAME-RATE={float(fps):.3f}"]
        attributes.append(f'CODECS="{item.rung.codecs(has_audio=has_audio)}"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), f"{item.rung.name}/index.m3u8"]
    return "\n".join(lines) + "\n"


def read_master_playlist(path: Path) -> list[tuple[dict[str, str], str]]:
    """(attributes, URI) per variant; used by tests and checks."""
    variants: list[tuple[dict[str, str], str]] = []
    attributes: dict[str, str] | None = None
    for line in path.read_text().splitlines():
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = {
                key: value.strip('"')
                for key, value in re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.partition(":")[2])
            }
        elif line and not line.startswith("#") and attributes is not None:
            variants.append((attributes, line))
            attributes = None
    return variants
