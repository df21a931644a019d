"""gunicorn on 127.0.0.1 for a benchmark: a free port, ``--preload``, stopped with its process group; and a
bounded HTTP helper (one connection per request: gunicorn's sync workers close them anyway)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from _django import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(server: subprocess.Popen[bytes], port: int, name: str, seconds: float = 60) -> None:
    """Until ``server`` accepts connections on ``port``; fails if it exits or takes longer than ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start") from None
            time.sleep(0.2)


@contextmanager
def gunicorn(workers: int, timeout: int = 120) -> Iterator[int]:
    """Serve school.wsgi with the benchmark's environment (VAR_DIR, DATABASE_URL); yields the port."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "school.settings.dev", "DEBUG": "0"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "school.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", str(timeout), "--preload"], cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for_port(server, port, "gunicorn")
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


@dataclass
class Reply:
    status: int  # 0: no answer (connection refused or reset, time-out)
    body: bytes
    seconds: float
    error: str = ""


def request(port: int, method: str, path: str, headers: dict[str, str], body: bytes = b"",
            timeout: float = 60) -> Reply:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **headers})
        response = conn.getresponse()
        data = response.read()
        return Reply(response.status, data, time.perf_counter() - start)
    except (OSError, http.client.HTTPException) as exc:
        return Reply(0, b"", time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered)) - 1))]
