"""`make run`'s bin/run-dev.sh stops completely, every time, within 10 s of SIGTERM to its process group (what a
process manager or a closing terminal sends): no worker, beat or server is left holding the embedded broker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTS = 6


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of the process group."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def wait_until_ready(port: int, log: Path, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        assert process.poll() is None, "bin/run-dev.sh exited during start"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
            served = True
        except urllib.error.HTTPError:
            served = True  # an answer (e.g. 503 on an empty database) is an answer
        except OSError:
            served = False
        if served and log.exists() and " ready." in log.read_text(errors="replace"):
            return
        time.sleep(0.3)
    raise AssertionError("the server did not answer or the worker was not ready within the time limit")


@pytest.mark.heavy
@pytest.mark.worker
def test_it_stops_every_process_within_10_seconds_of_sigterm_to_the_group(tmp_path: Path) -> None:
    for start in range(STARTS):
        var = tmp_path / f"var{start}"
        port = free_port()
        env = {**os.environ, "VAR_DIR": str(var), "HOST": "127.0.0.1", "PORT": str(port),
               "DJANGO_SETTINGS_MODULE": "school.settings.dev", "PYTHONUNBUFFERED": "1"}
        env.pop("DATABASE_URL", None)  # the embedded defaults: SQLite and the file-system broker under VAR_DIR
        env.pop("CELERY_BROKER_URL", None)
        process = subprocess.Popen(["bash", "bin/run-dev.sh"], cwd=ROOT, env=env, start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pgid = process.pid
        try:
            wait_until_ready(port, var / "log" / "celery.log", process, time.monotonic() + 90)
            assert len(group_members(pgid)) >= 4  # bash, worker, beat, server (and its autoreloader)
            os.killpg(pgid, signal.SIGTERM)
            stopped_at = time.monotonic() + 10
            while group_members(pgid) and time.monotonic() < stopped_at:
                time.sleep(0.1)
            left = group_members(pgid)
            assert left == [], f"start {start + 1}: still running 10 s after SIGTERM: {left}"
        finally:
            if group_members(pgid):
                os.killpg(pgid, signal.SIGKILL)
            process.wait(timeout=10)
