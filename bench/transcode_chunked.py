"""Chunked transcoding bench: real Celery workers on the ``media`` queue, each pinned to one core.

Generates a lecture-like 720p source (a "slide" that changes every 30 s, a moving speaker inset,
speech-band audio: pink noise band-passed to 300-3400 Hz with a 4 Hz syllable tremolo) and prints

  metric chunked_speedup_2_workers X  seconds from queueing to ``ready`` with one worker pinned to one
                                      core / the same with two workers pinned to one core each; goal >= 1.7
  metric chunked_quality_delta X      SSIM of the chunked top rung against the one-process ladder's top
                                      rung at the same settings (ffmpeg's ssim filter, "All"); goal >= 0.995

The workers are started with ``taskset -c N celery -A school worker -Q media -c 1 -P solo`` and the
project's filesystem broker, in a throw-away VAR_DIR; the database is SQLite there unless
``--database-url`` names an empty PostgreSQL database (recommended: two workers write heartbeats).

    .venv/bin/python bench/transcode_chunked.py [--seconds 120] [--chunk 30] [--database-url URL] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its waited-for children (the ffmpeg runs), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return round(ticks / os.sysconf("SC_CLK_TCK"), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--chunk", type=float, default=30.0, help="MEDIA_CHUNK_SECONDS")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-chunked-"))
    env = os.environ.copy()
    env.update({
        "VAR_DIR": str(scratch / "var"), "MEDIA_ROOT": str(scratch / "uploads"), "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": env.get("DJANGO_SETTINGS_MODULE", "school.settings.dev"),
        "MEDIA_CHUNK_THRESHOLD_SECONDS": str(min(20.0, options.chunk)), "MEDIA_CHUNK_SECONDS": str(options.chunk),
        "CELERY_BROKER_URL": "filesystem://",
    })
    if options.database_url:
        env["DATABASE_URL"] = options.database_url
    else:
        env.pop("DATABASE_URL", None)
    os.environ.clear()
    os.environ.update(env)
    (scratch / "var").mkdir()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from media.models import Video, VideoState
    from media.processing import ffmpeg_binary, ladder, probe
    from media.services import register_video_from_path
    from media.services.transcoding import ladder_settings
    from media.tasks import transcode_video

    call_command("migrate", verbosity=0)
    binary = ffmpeg_binary()
    seconds = options.seconds
    source = scratch / "lecture-720p.mp4"
    begun = time.monotonic()
    subprocess.run(
        [binary, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"smptehdbars=size=1280x720:rate=25:d={seconds}",
         "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=25:d={seconds}",
         "-f", "lavfi", "-i", f"anoisesrc=color=pink:sample_rate=48000:amplitude=0.5:d={seconds}",
         "-filter_complex",
         "[0:v]hue=h='60*floor(t/30)'[slide];"
         "[slide][1:v]overlay=x='W-w-40-300*abs(sin(t/4))':y='H-h-40'[v];"
         "[2:a]highpass=f=300,lowpass=f=3400,tremolo=f=4:d=0.8[a]",
         "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", "superfast", "-b:v", "4M",
         "-pix_fmt", "yuv420p", "-c:a", "aac", str(source)],
        check=True,
    )
    print(f"# generated {source.name}: {seconds} s, 1280x720 25 fps, in {time.monotonic() - begun:.1f} s; "
          f"chunks of {options.chunk:g} s; preset {settings.MEDIA_X264_PRESET}, crf {settings.MEDIA_X264_CRF}; "
          f"{os.cpu_count()} CPUs; database {settings.DATABASES['default']['ENGINE']}", flush=True)

    def ready_seconds(workers: int) -> tuple[float, Video]:
        procs = [
            subprocess.Popen(
                ["taskset", "-c", str(core), str(ROOT / ".venv" / "bin" / "celery"), "-A", "school", "worker",
                 "-Q", "media", "-c", "1", "-P", "solo", "-n", f"bench{core}-{workers}@%h", "--without-gossip",
                 "--without-mingle", "--without-heartbeat", "-l", "info"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(scratch / f"worker{core}-{workers}.log", "w"),  # noqa: SIM115
            )
            for core in range(workers)
        ]
        try:
            time.sleep(4)  # let the workers start polling
            video = register_video_from_path(source, title=f"bench {workers}", queue=False)
            Video.objects.filter(pk=video.pk).update(state=VideoState.QUEUED)
            started = time.monotonic()
            transcode_video.delay(video.pk)
            while True:
                video.refresh_from_db()
                if video.state in (VideoState.READY, VideoState.FAILED):
                    break
                if time.monotonic() - started > 40 * seconds:
                    raise SystemExit(f"timed out; see {scratch}")
                time.sleep(0.25)
            elapsed = time.monotonic() - started
            if video.state != VideoState.READY:
                raise SystemExit(f"video failed: {video.failure_reason}\n{video.failure_detail[-2000:]}")
            time.sleep(1)
            cpu_seconds.append([_cpu_seconds(proc.pid) for proc in procs])
            handled = [(scratch / f"worker{core}-{workers}.log").read_text().count("transcode_chunk[")
                       // 2 for core in range(workers)]
            print(f"# {workers} worker(s), one core each: ready after {elapsed:.1f} s "
                  f"({video.chunks.filter(kind='video').count()} chunks; steps run per worker {handled}; "
                  f"load average {os.getloadavg()[0]:.1f})", flush=True)
            return elapsed, video
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)

    cpu_seconds: list[list[float]] = []
    one, _ = ready_seconds(1)
    two, video = ready_seconds(2)
    # Wall time on a shared machine swings with the other load; the CPU seconds each worker (with its
    # ffmpeg children) used show how evenly the work was spread: the busiest worker is the critical path.
    print(f"# CPU seconds per worker: one worker {cpu_seconds[0]}, two workers {cpu_seconds[1]}; CPU-time "
          f"speedup (one worker's CPU / the busiest of two) {sum(cpu_seconds[0]) / max(cpu_seconds[1]):.3f}",
          flush=True)

    # The one-process ladder at the same settings, for the quality comparison.
    info = probe(str(source))
    config = ladder_settings()
    fps = ladder.output_fps(info.fps, config.max_fps)
    rungs = ladder.plan(*info.display_size, fps, config)
    reference = scratch / "reference"
    for rung in rungs:
        (reference / rung.name).mkdir(parents=True)
    graph = ladder.build_command(source=str(source), workdir=str(reference), rungs=rungs, settings=config, fps=fps,
                                 has_audio=True, poster_at=None, poster_dims=None)
    begun = time.monotonic()
    subprocess.run(ladder.command_args(graph, binary), check=True, stdout=subprocess.DEVNULL)
    print(f"# one-process ladder (both cores): {time.monotonic() - begun:.1f} s", flush=True)
    top = rungs[0].name
    chunked_top = Path(settings.MEDIA_ROOT) / video.hls_dir / top / "index.m3u8"
    result = subprocess.run(
        [binary, "-hide_banner", "-nostdin", "-i", str(chunked_top), "-i", str(reference / top / "index.m3u8"),
         "-lavfi", "[0:v][1:v]ssim", "-f", "null", "-"],
        check=True, capture_output=True, text=True,
    )
    match = re.search(r"All:([\d.]+)", result.stderr)
    assert match, result.stderr[-2000:]
    print(f"# {next(line for line in result.stderr.splitlines() if 'SSIM' in line).strip()}", flush=True)

    print(f"metric chunked_speedup_2_workers {one / two:.3f}")
    print(f"metric chunked_quality_delta {float(match.group(1)):.4f}")
    if options.keep:
        print(f"# kept {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
