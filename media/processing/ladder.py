"""Plan the HLS ladder for a source and build the ONE ffmpeg command that makes it.

The source is decoded once; ``split`` filters feed one H.264 encoder per rung, each rung scaled from
the rung above it (a cascade: 720p is made from 1080p, 480p from 720p…, so every scaler reads fewer
pixels than the source), plus a branch that grabs the poster frame at ~10% of the duration and then
closes (so it costs one frame, not a scaler running to the end). Each rung is capped CRF: ``-crf`` for
quality, ``-maxrate``/``-bufsize`` so the peak bitrate, which the master playlist announces as
BANDWIDTH, is bounded. Keyframes every segment length at a fixed frame rate (``fps`` filter, which
also turns variable-frame-rate phone footage into constant frame rate) keep the rungs' segments
aligned so players can switch between them.

Sizes are planned from the display size (``ProbeResult.display_size``: sample aspect and rotation
applied) and every rung is written in square pixels, so anamorphic sources (16:9 PAL DV is 720×576
with SAR 64:45) keep their shape. The frame rate is the source's own rational rate (30000/1001 stays
30000/1001, not 30), divided evenly when it is above ``max_fps``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import ffmpeg  # ffmpeg-python

AUDIO_NAME = "audio"


@dataclass(frozen=True)
class Rung:
    name: str  # folder name and label: "720p" (the short side), or "audio"
    width: int
    height: int
    maxrate_kbps: int
    audio_kbps: int
    level: str  # H.264 level, also announced in CODECS

    @property
    def is_audio(self) -> bool:
        return self.name == AUDIO_NAME

    def codecs(self, *, has_audio: bool = True) -> str:
        """The CODECS attribute: H.264 Main at the rung's level, AAC-LC."""
        if self.is_audio:
            return "mp4a.40.2"
        level_hex = {"3.0": "1e", "3.1": "1f", "4.0": "28", "4.1": "29"}[self.level]
        return f"avc1.4d40{level_hex}" + (",mp4a.40.2" if has_audio else "")


@dataclass(frozen=True)
class Settings:
    ladder: tuple[tuple[int, int, int], ...]  # (short side, maxrate kbit/s, audio kbit/s), largest first
    crf: int
    preset: str
    segment_seconds: int
    max_fps: int
    audio_only_kbps: int = 128
    first_preset: str = ""  # the lowest rung's preset when it is a stage of its own ("" = ``preset``)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _level(width: int, height: int, fps: Fraction | float) -> str:
    macroblocks_per_second = ((width + 15) // 16) * ((height + 15) // 16) * fps
    if macroblocks_per_second <= 40_500:
        return "3.0"
    if macroblocks_per_second <= 108_000:
        return "3.1"
    return "4.0" if macroblocks_per_second <= 245_760 else "4.1"


def output_fps(source_fps: float | None, max_fps: int) -> Fraction:
    """The frame rate of every rung, as a fraction: the source's own rate when it is a known one.

    ``ffmpeg -i`` prints rates with two decimals, so 29.97 is read back as the NTSC 30000/1001 (and
    23.98, 59.94… likewise), 12.50 as 25/2; anything else (variable-frame-rate phone footage whose
    average is 29.87) is rounded to whole frames per second. Above ``max_fps`` the rate is divided by
    the smallest whole number that brings it under the limit (59.94 -> 29.97, 50 -> 25: frames are
    dropped evenly) unless that falls below three quarters of the limit; then it is the limit.
    """
    if not source_fps or source_fps <= 0:
        return Fraction(min(25, max_fps))
    ntsc = Fraction(round(source_fps * 1.001) * 1000, 1001)
    halves = Fraction(round(source_fps * 2), 2)
    if ntsc and abs(source_fps - ntsc) < 0.006:
        rate = ntsc
    elif abs(source_fps - halves) < 0.006:
        rate = halves
    else:
        rate = Fraction(round(source_fps))
    rate = max(rate, Fraction(1))
    if rate <= max_fps:
        return rate
    divided = rate / math.ceil(rate / max_fps)
    return divided if divided >= Fraction(3, 4) * max_fps else Fraction(max_fps)


def keyframe_interval(fps: Fraction, segment_seconds: int) -> int:
    """Frames per GOP: at least one segment long, so every keyframe ends a segment in every rung
    (120 frames = 4.004 s at 30000/1001)."""
    return max(1, math.ceil(fps * segment_seconds))


def plan(width: int, height: int, fps: Fraction | float, settings: Settings, *, has_video: bool = True) -> list[Rung]:
    """Rungs no larger than the source (short side compared, so portrait phone video works too).

    ``width`` and ``height`` are the display size in square pixels (``ProbeResult.display_size``)."""
    if not has_video:
        return [Rung(AUDIO_NAME, 0, 0, settings.audio_only_kbps, settings.audio_only_kbps, "3.0")]
    short = min(width, height)
    rungs: list[Rung] = []
    for rung_short, maxrate, audio in settings.ladder:
        if rung_short > short:
            continue  # never upscale
        scale = rung_short / short
        w, h = _even(width * scale), _even(height * scale)
        rungs.append(Rung(f"{rung_short}p", w, h, maxrate, audio, _level(w, h, fps)))
    if not rungs:  # smaller than the smallest rung: one rendition at the source size
        smallest_short, smallest_rate, audio = settings.ladder[-1]
        w, h = _even(width), _even(height)
        rate = max(200, int(smallest_rate * (w * h) / (smallest_short * smallest_short * 16 / 9)))
        rungs.append(Rung(f"{_even(short)}p", w, h, rate, audio, _level(w, h, fps)))
    return rungs


def stages(rungs: list[Rung]) -> list[list[Rung]]:
    """Lowest rung first: the order in which the rungs are made and published, one ffmpeg run per stage.

    The lowest video rung is a stage of its own (a small encode: the video is watchable after it), then the
    rest of the ladder in one run (one decode, the cascade). A ladder of one rung, or audio only, is one stage.
    A scheduler that makes rungs elsewhere (chunks on several workers) can split the later stages further:
    ``media.services.transcoding`` publishes each stage as it finishes."""
    video_rungs = [rung for rung in rungs if not rung.is_audio]
    if len(video_rungs) < 2 or len(video_rungs) != len(rungs):
        return [list(rungs)]
    lowest = min(video_rungs, key=lambda rung: rung.width * rung.height)
    return [[lowest], [rung for rung in rungs if rung is not lowest]]


def stage_settings(settings: Settings, index: int, count: int) -> Settings:
    """The settings of stage ``index`` of ``count``: the first stage of several (the lowest rung, made ahead so
    the video is playable sooner) uses ``first_preset``; a ladder of one stage keeps ``preset``."""
    if index == 0 and count > 1 and settings.first_preset:
        return replace(settings, preset=settings.first_preset)
    return settings


def stage_weight(stage: list[Rung], source_pixels: int) -> float:
    """Rough relative cost of a stage's ffmpeg run: decoding the source plus encoding each rung."""
    return max(1.0, source_pixels * 0.5 + sum(rung.width * rung.height for rung in stage))  # audio: 1


def poster_size(width: int, height: int, longest: int = 1280) -> tuple[int, int]:
    scale = min(1.0, longest / max(width, height))
    return _even(width * scale), _even(height * scale)


def build_command(
    *,
    source: str,
    workdir: str,
    rungs: list[Rung],
    settings: Settings,
    fps: Fraction,
    has_audio: bool,
    poster_at: float | None,
    poster_dims: tuple[int, int] | None,
) -> Any:
    """The ffmpeg-python graph: one input, one decode, one output per rung (+ the poster frame)."""
    source_input = ffmpeg.input(source)
    audio = source_input["a:0"] if has_audio else None
    hls_options = {
        "f": "hls",
        "hls_time": settings.segment_seconds,
        "hls_playlist_type": "vod",
        "hls_flags": "independent_segments",
    }
    audio_options: dict[str, Any] = {"acodec": "aac", "ac": 2, "ar": 48000} if has_audio else {"an": None}
    outputs = []
    video_rungs = [rung for rung in rungs if not rung.is_audio]
    if video_rungs:
        video = source_input["v:0"].filter("fps", fps=str(fps)).filter("format", "yuv420p")
        poster_branch = None
        if poster_at is not None:
            base = video.filter_multi_output("split", 2)
            video, poster_branch = base.stream(0), base.stream(1)
        gop = keyframe_interval(fps, settings.segment_seconds)
        parent = video
        for index, rung in enumerate(video_rungs):
            # Cascade: each rung is scaled from the one above it (fewer pixels to read than the source).
            # The rung's size already has the display shape, so its pixels are square: SAR 1.
            scaled = parent.filter("scale", rung.width, rung.height, flags="bicubic").filter("setsar", 1)
            if index + 1 < len(video_rungs):
                pair = scaled.filter_multi_output("split", 2)
                scaled, parent = pair.stream(0), pair.stream(1)
            streams = [scaled, audio] if audio is not None else [scaled]
            outputs.append(
                ffmpeg.output(
                    *streams,
                    f"{workdir}/{rung.name}/index.m3u8",
                    vcodec="libx264",
                    preset=settings.preset,
                    crf=settings.crf,
                    maxrate=f"{rung.maxrate_kbps}k",
                    bufsize=f"{rung.maxrate_kbps * 2}k",
                    **{"profile:v": "main", "level:v": rung.level},
                    g=gop,
                    keyint_min=gop,
                    sc_threshold=0,
                    **({**audio_options, "b:a": f"{rung.audio_kbps}k"} if has_audio else audio_options),
                    hls_segment_filename=f"{workdir}/{rung.name}/seg_%05d.ts",
                    **hls_options,
                )
            )
        if poster_branch is not None and poster_at is not None and poster_dims is not None:
            # The second trim ends the branch after its first frame: without it every later frame would
            # still be scaled and thrown away (~12 % of the CPU of a 1080p ladder).
            frame = (
                poster_branch.filter("trim", start=poster_at)
                .filter("trim", end_frame=1)
                .filter("setpts", "PTS-STARTPTS")
                .filter("scale", poster_dims[0], poster_dims[1])
                .filter("setsar", 1)
            )
            outputs.append(
                ffmpeg.output(frame, f"{workdir}/poster-source.png", vframes=1, f="image2", update=1)
            )
    else:  # audio only
        rung = rungs[0]
        outputs.append(
            ffmpeg.output(
                audio,
                f"{workdir}/{rung.name}/index.m3u8",
                **{**audio_options, "b:a": f"{rung.audio_kbps}k"},
                hls_segment_filename=f"{workdir}/{rung.name}/seg_%05d.ts",
                **hls_options,
            )
        )
    return ffmpeg.merge_outputs(*outputs)


GLOBAL_ARGS = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "warning", "-progress", "pipe:1", "-y"]


def command_args(graph: Any, binary: str) -> list[str]:
    """The argument list, global options first (ffmpeg-python would append them at the end)."""
    args = list(graph.compile(cmd=binary))
    return [args[0], *GLOBAL_ARGS, *args[1:]]
