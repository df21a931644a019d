"""The ffmpeg commands of a chunked transcode (long sources; ``media.services.chunked`` runs them).

1. ``split_args``: the source's video stream is cut at its own keyframes into chunks of about
   ``chunk_seconds`` with the segment muxer and stream copy (no re-encode; seconds for an hour).
2. ``chunk_args``: one chunk -> one video-only MP4 per rung, with exactly the filters and encoder
   options of the one-process ladder (``ladder.build_command``): same fps filter, the same cascade of
   scalers, same CRF/maxrate, the same fixed GOP with scene-cut keyframes off. Every rung of a chunk
   therefore has its keyframes at the same instants.
3. ``audio_args``: the source's audio, once for the whole file, one AAC file per audio bitrate of the
   ladder (AAC cut into chunks and encoded separately would put an encoder priming gap at every join).
4. ``stitch_args``: per rung, the chunk MP4s are joined with the concat demuxer (each file's
   timestamps are offset by the durations before it, so they continue without gap or overlap), the
   audio is added, and the HLS muxer cuts segments by stream copy at the keyframes the chunks placed.
   Segment boundaries are the same in every rung because the keyframes are.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from .ladder import GLOBAL_ARGS, Rung, Settings, keyframe_interval


def split_args(binary: str, source: str, folder: Path, chunk_seconds: float) -> list[str]:
    return [
        binary, *GLOBAL_ARGS, "-i", source, "-map", "0:v:0", "-c", "copy", "-an", "-sn", "-dn",
        "-f", "segment", "-segment_time", f"{chunk_seconds:g}", "-reset_timestamps", "1",
        "-segment_format", "mp4", "-segment_list", str(folder / "chunks.csv"), "-segment_list_type", "csv",
        str(folder / "chunk_%05d.mp4"),
    ]


def read_split_list(folder: Path) -> list[str]:
    """Chunk file names in order, from the segment muxer's CSV list (name,start,end per line)."""
    names = []
    for line in (folder / "chunks.csv").read_text().splitlines():
        name = line.split(",", 1)[0].strip()
        if name:
            names.append(name)
    return names


def chunk_args(binary: str, chunk: Path, outdir: Path, rungs: list[Rung], settings: Settings,
               fps: Fraction) -> list[str]:
    """Every video rung of one chunk, from one decode (the ladder's cascade), video only."""
    video_rungs = [rung for rung in rungs if not rung.is_audio]
    gop = keyframe_interval(fps, settings.segment_seconds)
    graph = [f"[0:v:0]fps=fps={fps},format=yuv420p[s0]"]
    parent = "s0"
    maps: list[str] = []
    for index, rung in enumerate(video_rungs):
        scaled = f"r{index}"
        if index + 1 < len(video_rungs):
            graph.append(f"[{parent}]scale={rung.width}:{rung.height}:flags=bicubic,setsar=1,split=2[{scaled}][p{index}]")
            parent = f"p{index}"
        else:
            graph.append(f"[{parent}]scale={rung.width}:{rung.height}:flags=bicubic,setsar=1[{scaled}]")
        maps += [
            "-map", f"[{scaled}]", "-c:v", "libx264", "-preset", settings.preset, "-crf", str(settings.crf),
            "-maxrate", f"{rung.maxrate_kbps}k", "-bufsize", f"{rung.maxrate_kbps * 2}k",
            "-profile:v", "main", "-level:v", rung.level, "-g", str(gop), "-keyint_min", str(gop),
            "-sc_threshold", "0", "-an", "-f", "mp4", str(outdir / f"{rung.name}.mp4"),
        ]
    return [binary, *GLOBAL_ARGS, "-i", str(chunk), "-filter_complex", ";".join(graph), *maps]


def audio_bitrates(rungs: list[Rung]) -> list[int]:
    return sorted({rung.audio_kbps for rung in rungs if not rung.is_audio}, reverse=True)


def audio_args(binary: str, source: str, outdir: Path, bitrates: list[int]) -> list[str]:
    outputs: list[str] = []
    for kbps in bitrates:
        outputs += ["-map", "0:a:0", "-vn", "-c:a", "aac", "-ac", "2", "-ar", "48000", "-b:a", f"{kbps}k",
                    "-f", "mp4", str(outdir / f"audio_{kbps}.m4a")]
    return [binary, *GLOBAL_ARGS, "-i", source, *outputs]


def concat_list(files: list[Path]) -> str:
    return "ffconcat version 1.0\n" + "".join(f"file '{path.as_posix()}'\n" for path in files)


def stitch_args(binary: str, concat_file: Path, audio: Path | None, rung_dir: Path, settings: Settings) -> list[str]:
    inputs = ["-f", "concat", "-safe", "0", "-i", str(concat_file)]
    maps = ["-map", "0:v:0"]
    if audio is not None:
        inputs += ["-i", str(audio)]
        maps += ["-map", "1:a:0"]
    return [
        binary, *GLOBAL_ARGS, *inputs, *maps, "-c", "copy", "-f", "hls", "-hls_time", str(settings.segment_seconds),
        "-hls_playlist_type", "vod", "-hls_flags", "independent_segments",
        "-hls_segment_filename", str(rung_dir / "seg_%05d.ts"), str(rung_dir / "index.m3u8"),
    ]


def poster_args(binary: str, source: str, at: float, dims: tuple[int, int], target: Path) -> list[str]:
    return [
        binary, *GLOBAL_ARGS, "-ss", f"{at:.3f}", "-i", source, "-map", "0:v:0", "-frames:v", "1",
        "-vf", f"scale={dims[0]}:{dims[1]},setsar=1", "-f", "image2", "-update", "1", str(target),
    ]
