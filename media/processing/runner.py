"""Run an ffmpeg command, reading its ``-progress pipe:1`` output as it goes."""

from __future__ import annotations

import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class FfmpegFailed(Exception):
    def __init__(self, returncode: int, stderr_tail: str) -> None:
        super().__init__(f"ffmpeg exited with {returncode}: {stderr_tail[-500:]}")
        self.returncode = returncode
        self.stderr_tail = stderr_tail


class FfmpegStalled(FfmpegFailed):
    """ffmpeg printed no progress for ``stall_timeout`` seconds and was killed (the watchdog)."""

    def __init__(self, seconds: float, stderr_tail: str) -> None:
        super().__init__(-9, stderr_tail)
        self.seconds = seconds


@dataclass(frozen=True)
class RunResult:
    seconds: float
    stderr: str


def run(
    args: list[str],
    *,
    duration: float | None,
    on_progress: Callable[[float], None] | None = None,
    timeout: float | None = None,
    stall_timeout: float | None = None,
) -> RunResult:
    """Run ``args``; call ``on_progress(fraction)`` for each progress report. Raise FfmpegFailed, or
    FfmpegStalled when ``stall_timeout`` seconds pass without a line of progress output (a hung ffmpeg
    would otherwise hold the worker slot until ``timeout``)."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as stderr_file:
        process = subprocess.Popen(  # noqa: S603 - argument list built by ffmpeg-python, no shell
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr_file
        )
        timer = threading.Timer(timeout, process.kill) if timeout else None
        if timer:
            timer.daemon = True
            timer.start()
        last_output = [time.monotonic()]
        stalled = threading.Event()
        finished = threading.Event()

        def watch() -> None:
            assert stall_timeout is not None
            while not finished.wait(min(1.0, stall_timeout / 4)):
                if time.monotonic() - last_output[0] > stall_timeout:
                    stalled.set()
                    process.kill()
                    return

        watchdog = threading.Thread(target=watch, daemon=True) if stall_timeout else None
        if watchdog:
            watchdog.start()
        try:
            assert process.stdout is not None
            out_time = 0.0
            for raw in process.stdout:
                last_output[0] = time.monotonic()
                key, _, value = raw.decode("ascii", "replace").strip().partition("=")
                if key == "out_time_us" and value.isdigit():
                    out_time = int(value) / 1_000_000
                elif key == "progress" and on_progress and duration:
                    on_progress(1.0 if value == "end" else min(1.0, out_time / duration))
            returncode = process.wait()
        finally:
            finished.set()
            if timer:
                timer.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
        stderr_file.seek(0)
        stderr = stderr_file.read().decode("utf-8", "replace")
    if stalled.is_set():
        assert stall_timeout is not None
        raise FfmpegStalled(stall_timeout, stderr[-4000:])
    if returncode != 0:
        raise FfmpegFailed(returncode, stderr[-4000:])
    return RunResult(seconds=time.monotonic() - started, stderr=stderr)
