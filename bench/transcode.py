"""Transcoding bench: generates its own 60-second 1080p clip and prints

  metric ladder_vs_separate_runs X   one ffmpeg per rendition (summed) / the one-decode ladder; goal >= 1.25
  metric pipeline_overhead X         the whole task (probe, transcode, poster, bookkeeping) / the bare
                                     ffmpeg command it runs; goal <= 1.05
  metric realtime_factor X           media seconds per wall-clock second for the ladder on this machine
  metric time_to_playable_ratio X    seconds from the start of the task until the 360p rung is published
                                     (the lecture can be watched) / the lecture's duration, for a generated
                                     lecture-like 1080p source (slides that change every 30 s, a moving
                                     speaker inset, speech-band audio) of --lecture-seconds; goal <= 0.15
  metric time_to_ready_ratio X       the same until every rung is in (the video is ready)

A lecture longer than MEDIA_CHUNK_THRESHOLD_SECONDS (300 s) takes the chunked path, as on the site: the
bench then runs Celery eagerly in its own process, which is one worker (each step runs in turn, in the
order the steps are sent), and times the moment the 360p rung is published.

Same settings on both sides of each ratio (MEDIA_X264_PRESET etc. from the environment; default
veryfast). Runs in a throw-away VAR_DIR with its own SQLite database.

All metrics are wall-clock. On a shared machine wall time swings with whatever else runs, so the
CPU-time ratios (user + system of this process and its ffmpeg children) are printed as comments too.

    .venv/bin/python bench/transcode.py [--seconds 60] [--lecture-seconds 180] [--only-playable] [--keep]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--pairs", type=int, default=4, help="task/bare pairs for pipeline_overhead")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--lecture-seconds", type=int, default=180, help="length of the lecture-like source")
    parser.add_argument("--only-playable", action="store_true", help="only the time_to_playable figures")
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-transcode-"))
    os.environ["VAR_DIR"] = str(scratch / "var")
    os.environ["MEDIA_ROOT"] = str(scratch / "uploads")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings.dev")
    os.environ["DEBUG"] = "0"
    (scratch / "var").mkdir()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from media.processing import ffmpeg_binary, ladder, probe
    from media.services import register_video_from_path
    from media.services.transcoding import Timings, ladder_settings, process_video

    call_command("migrate", verbosity=0)
    binary = ffmpeg_binary()
    print(f"# ffmpeg {binary}; preset {settings.MEDIA_X264_PRESET}, crf {settings.MEDIA_X264_CRF}; "
          f"{os.cpu_count()} CPUs", flush=True)

    if options.only_playable:
        time_to_playable(scratch, binary, options.lecture_seconds)
        if not options.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        return

    source = scratch / "source-1080p.mp4"
    started = time.monotonic()
    subprocess.run(
        [binary, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:d={options.seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:d={options.seconds}",
         # like phone footage: High profile with CABAC, ~16 Mbit/s
         "-c:v", "libx264", "-preset", "superfast", "-profile:v", "high", "-b:v", "16M", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", str(source)],
        check=True,
    )
    print(f"# generated {source.name} ({source.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - started:.1f} s",
          flush=True)

    info = probe(str(source))
    width, height = info.display_size
    config = ladder_settings()
    fps = ladder.output_fps(info.fps, config.max_fps)
    rungs = ladder.plan(width, height, fps, config)
    print(f"# ladder: {', '.join(f'{r.name} {r.width}x{r.height} <= {r.maxrate_kbps}k' for r in rungs)}", flush=True)

    def cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    def timed(args: list[str]) -> tuple[float, float]:
        """(wall seconds, CPU seconds) of one ffmpeg run."""
        begun, begun_cpu = time.monotonic(), cpu()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        return time.monotonic() - begun, cpu() - begun_cpu

    def fresh(name: str) -> Path:
        folder = scratch / name
        shutil.rmtree(folder, ignore_errors=True)
        for rung in rungs:
            (folder / rung.name).mkdir(parents=True)
        return folder

    def command(folder: Path, chosen: list[ladder.Rung], poster: bool) -> list[str]:
        graph = ladder.build_command(
            source=str(source), workdir=str(folder), rungs=chosen, settings=config, fps=fps, has_audio=True,
            poster_at=info.duration * 0.1 if poster and info.duration else None,
            poster_dims=ladder.poster_size(width, height) if poster else None,
        )
        return ladder.command_args(graph, binary)

    # 1. One ffmpeg per rendition vs the one-decode ladder (no poster on either side).
    separate = separate_cpu = 0.0
    for rung in rungs:
        seconds, cpu_seconds = timed(command(fresh(f"separate-{rung.name}"), [rung], poster=False))
        print(f"# separate run {rung.name}: {seconds:.1f} s wall, {cpu_seconds:.1f} s CPU", flush=True)
        separate += seconds
        separate_cpu += cpu_seconds
    one_decode, one_decode_cpu = timed(command(fresh("ladder"), rungs, poster=False))
    print(f"# one-decode ladder: {one_decode:.1f} s wall, {one_decode_cpu:.1f} s CPU; separate runs total "
          f"{separate:.1f} s wall, {separate_cpu:.1f} s CPU", flush=True)

    # 2. The whole task vs the bare ffmpeg command that it runs (with its poster branch), on the first
    #    20 s of the clip (fixed costs weigh more on a short clip, so this is the harder case), in
    #    ``--pairs`` pairs whose order alternates (task, bare, bare, task, task, bare, ...: a machine that
    #    speeds up or slows down during the run favours neither side), keeping the best of each side.
    from media.models import Video, VideoState

    cut = scratch / "source-cut.mp4"
    subprocess.run([binary, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(source), "-t",
                    str(min(20, options.seconds)), "-c", "copy", str(cut)], check=True)
    task_walls: list[float] = []
    bare_walls: list[float] = []
    task_cpus: list[float] = []
    bare_cpus: list[float] = []
    last_args: list[tuple[str, ...]] = []

    def run_task(attempt: int) -> None:
        video = register_video_from_path(cut, title=f"bench {attempt}", queue=False)
        Video.objects.filter(pk=video.pk).update(state=VideoState.QUEUED)
        timings = Timings()
        task_cpu_start = cpu()
        outcome = process_video(video.pk, timings)
        task_cpus.append(cpu() - task_cpu_start)
        assert outcome == "ready", Video.objects.get(pk=video.pk).failure_detail
        task_walls.append(timings.total)
        last_args[:] = list(timings.stage_args)
        print(f"# task {attempt + 1}: {timings.total:.1f} s wall / {task_cpus[-1]:.1f} s CPU (probe "
              f"{timings.probe:.2f} s; the ffmpeg run inside it {timings.ffmpeg:.1f} s)", flush=True)

    def run_bare(attempt: int) -> None:
        # Every stage's command in turn (lowest rung first: 360p, then the rest of the ladder).
        bare_wall = bare_cpu = 0.0
        for index, stage_args in enumerate(last_args):
            task_dir = str(Path(next(a for a in stage_args if a.endswith("index.m3u8"))).parent.parent)
            bare_folder = fresh(f"bare-{attempt}-{index}")
            wall, cpu_seconds = timed([arg.replace(task_dir, str(bare_folder)) for arg in stage_args])
            bare_wall += wall
            bare_cpu += cpu_seconds
        bare_walls.append(bare_wall)
        bare_cpus.append(bare_cpu)
        print(f"# bare {attempt + 1}: {bare_wall:.1f} s wall / {bare_cpu:.1f} s CPU", flush=True)

    # The task first (it tells the bench the exact command); pairs alternate: TB BT TB BT ...
    for attempt in range(options.pairs):
        order = (run_task, run_bare) if attempt % 2 == 0 else (run_bare, run_task)
        for run in order:
            run(attempt)
    print(f"# CPU-time ratios: ladder_vs_separate_runs {separate_cpu / one_decode_cpu:.3f}, pipeline_overhead "
          f"{min(task_cpus) / min(bare_cpus):.3f}", flush=True)

    print(f"metric ladder_vs_separate_runs {separate / one_decode:.3f}")
    print(f"metric pipeline_overhead {min(task_walls) / min(bare_walls):.3f}")
    print(f"metric realtime_factor {(info.duration or options.seconds) / one_decode:.3f}")
    time_to_playable(scratch, binary, options.lecture_seconds)
    if not options.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        print(f"# kept {scratch}")


def time_to_playable(scratch: Path, binary: str, seconds: int) -> None:
    """Lowest rung first: how soon a lecture can be watched, against its duration."""
    from media.models import Video, VideoState
    from media.services import register_video_from_path
    from media.services.transcoding import Timings, process_video

    lecture = scratch / "lecture-1080p.mp4"
    # Generating 1080p is slower than transcoding it: at most 300 s are generated, then looped by stream copy.
    piece_seconds = min(seconds, 300)
    piece = lecture if piece_seconds == seconds else scratch / "lecture-piece.mp4"
    begun = time.monotonic()
    slides = (f"color=c=white:s=1920x1080:r=30:d={piece_seconds},"
              "drawbox=x='mod(floor(t/30)*370,1200)+80':y=120:w=1000:h=90:color=0x9b1c1c:t=fill,"
              "drawbox=x=80:y='mod(floor(t/30)*130,500)+280':w=1100:h=420:color=0x1c3f9b@0.6:t=fill")
    subprocess.run(
        [binary, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", slides,
         "-f", "lavfi", "-i", f"testsrc2=size=480x270:rate=30:d={piece_seconds}",
         "-f", "lavfi", "-i", f"anoisesrc=d={piece_seconds}:color=pink:amplitude=0.3:sample_rate=48000",
         "-filter_complex", "[0:v][1:v]overlay=x='1380+40*sin(t/3)':y='760+20*cos(t/2)'[v];"
                            "[2:a]bandpass=f=1200:width_type=h:w=2600,tremolo=f=4:d=0.7[a]",
         "-map", "[v]", "-map", "[a]",
         "-c:v", "libx264", "-preset", "superfast", "-profile:v", "high", "-b:v", "6M", "-g", "60",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", str(piece)],
        check=True,
    )
    if piece != lecture:
        subprocess.run([binary, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-stream_loop", "-1",
                        "-i", str(piece), "-t", str(seconds), "-c", "copy", str(lecture)], check=True)
    print(f"# generated {lecture.name}: {seconds} s ({piece_seconds} s looped) of 1080p slides with a moving inset and speech-band audio "
          f"({lecture.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - begun:.1f} s", flush=True)
    from django.conf import settings

    from media.services import chunked, transcoding
    from school.celery import app

    video = register_video_from_path(lecture, title="lecture", queue=False)
    Video.objects.filter(pk=video.pk).update(state=VideoState.QUEUED)
    timings = Timings()
    is_chunked = seconds > settings.MEDIA_CHUNK_THRESHOLD_SECONDS
    steps: list[str] = []
    playable_cpu: list[float] = []

    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    begun_cpu = cpu()
    if is_chunked:  # one worker: the steps run in this process, one after another
        app.conf.task_always_eager = True
        publish, run_chunk, finish = transcoding._publish, chunked._run_chunk, chunked._finish

        def publish_and_time(*args: object, **kwargs: object) -> None:
            publish(*args, **kwargs)  # type: ignore[arg-type]
            timings.playable = time.monotonic() - timings.started
            playable_cpu.append(cpu() - begun_cpu)

        def timed_step(step: object, video: object, chunk: object, *rest: object) -> None:
            begun_step = time.monotonic()
            step(video, chunk, *rest)  # type: ignore[operator]
            kind = getattr(chunk, "kind", "")
            steps.append(f"{kind}{getattr(chunk, 'stage', '')}{'/' + str(chunk.index) if kind == 'video' else ''}"  # type: ignore[attr-defined]
                         f" {time.monotonic() - begun_step:.1f}")

        transcoding._publish = publish_and_time
        chunked._run_chunk = lambda *args: timed_step(run_chunk, *args)
        chunked._finish = lambda *args: timed_step(finish, *args)
    outcome = process_video(video.pk, timings)
    ready = time.monotonic() - timings.started
    assert outcome == ("chunked" if is_chunked else "ready"), Video.objects.get(pk=video.pk).failure_detail
    assert Video.objects.get(pk=video.pk).state == VideoState.READY, Video.objects.get(pk=video.pk).failure_detail
    how = (f"chunked, one worker, chunks of {settings.MEDIA_CHUNK_SECONDS:g} s; steps (stage/index, s): "
           f"{', '.join(steps)}" if is_chunked else f"one process, {len(timings.stage_args)} ffmpeg runs")
    print(f"# lecture: 360p playable after {timings.playable:.1f} s, ready after {ready:.1f} s ({how}; first "
          f"preset {settings.MEDIA_X264_PRESET_FIRST or settings.MEDIA_X264_PRESET})", flush=True)
    if playable_cpu:  # wall time swings with the machine's other load; CPU seconds do not
        print(f"# CPU seconds (this process and its ffmpeg runs) until playable {playable_cpu[0]:.1f}, until "
              f"ready {cpu() - begun_cpu:.1f}; CPU-time ratio until playable {playable_cpu[0] / seconds:.3f}; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
    print(f"metric time_to_playable_ratio {timings.playable / seconds:.3f}")
    print(f"metric time_to_ready_ratio {ready / seconds:.3f}")


if __name__ == "__main__":
    main()
