"""Real processes for the fault tests (not a test module): a private redis-server on a free port, Celery
workers, a gunicorn web server, all pointed at the test database, each in its own process group so a
test can kill it like a machine going down. Everything is bounded in time and stopped by the test."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url() -> str:
    """The test database as a URL for child processes (they must see what the test committed)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}{port}/{db['NAME']}"


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, *logs: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    tails = "\n".join(f"--- {log.name}:\n{log.read_text(errors='replace')[-3000:]}" for log in logs if log.exists())
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{tails}")


def kill(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGKILL the process and its children (a worker and its ffmpeg), like a machine going down."""
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def stop(proc: subprocess.Popen[bytes] | None, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL after ``timeout``."""
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        kill(proc)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class RedisServer:
    """A private, non-persistent redis-server: stopping it loses its data, as a crash would."""

    def __init__(self, directory: Path) -> None:
        if not Path(REDIS_SERVER).exists():
            pytest.skip(f"redis-server is not installed ({REDIS_SERVER}): the fault tests start their own Redis")
        self.directory = directory
        self.port = free_port()
        self.log = directory / f"redis-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--protected-mode", "yes"],
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_for(lambda: _answers(self.port), 10, f"redis-server on port {self.port}", self.log)

    def stop(self) -> None:
        stop(self.proc)
        wait_for(lambda: not _answers(self.port), 10, "redis-server to stop", self.log)


def child_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "school.settings.test",
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "VAR_DIR": str(settings.VAR_DIR),
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def start_worker(broker_url: str, queues: str, log: Path, *, beat_schedule: Path | None = None,
                 env: dict[str, str] | None = None, pool: str = "solo", **extra_env: str) -> subprocess.Popen[bytes]:
    """A worker on ``queues`` (comma-separated) that redelivers unacknowledged tasks after 4 s; with
    ``beat_schedule`` it also runs Celery beat (``-B``).

    ``pool="prefork"`` (one child) is the production pool (deploy/systemd): the main process
    acknowledges an early-acked task (transcodes) as soon as the child takes it. The solo pool runs the
    task inside the worker's event loop, and Celery sends even an early ack through that loop
    (``Consumer.call_soon_ack`` -> ``hub.call_soon``), so under ``solo`` every task is acknowledged only
    after it returns, as if it were ``acks_late``: use prefork for anything that depends on the early ack."""
    env = child_env(**{"CELERY_VISIBILITY_TIMEOUT": "4", "CELERY_UNACKED_RESTORE_SECONDS": "1", **(env or {}),
                       **extra_env, "CELERY_BROKER_URL": broker_url})
    command = [sys.executable, "-m", "celery", "-A", "school", "worker", "-Q", queues, "--pool", pool,
               "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
               "-n", f"fault-{secrets.token_hex(4)}@%h"]
    if pool == "prefork":
        command += ["--concurrency", "1"]
    if beat_schedule is not None:
        command += ["-B", "-s", str(beat_schedule)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def start_web(log: Path, **extra_env: str) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn on a free loopback port (one worker, a few threads); returns once /health/ answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "school.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--threads", "4",
         "--timeout", "60", "--graceful-timeout", "5", "--access-logfile", "-", "--no-control-socket"],
        cwd=ROOT, env=child_env(**extra_env), stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def healthy() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{log.read_text(errors='replace')[-3000:]}")
        import http.client

        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health/")
            return conn.getresponse().status == 200
        except OSError:
            return False

    wait_for(healthy, 60, "gunicorn to answer /health/", log)
    return proc, port


def publish(task: Any, broker_url: str, *, queue: str, args: tuple[Any, ...] = ()) -> None:
    """Send ``task`` to ``broker_url`` (not the suite's configured broker)."""
    from school.celery import app

    with app.connection_for_write(broker_url) as conn:
        task.apply_async(args=args, queue=queue, connection=conn)


def start_beat(broker_url: str, folder: Path, log: Path, **extra_env: str) -> subprocess.Popen[bytes]:
    """Celery beat as its own process (as ``school-beat.service``), its schedule and pid files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    env = child_env(**{**extra_env, "CELERY_BROKER_URL": broker_url})
    command = [sys.executable, "-m", "celery", "-A", "school", "beat", "--loglevel", "INFO",
               "-s", str(folder / "celerybeat-schedule"), "--pidfile", str(folder / "celerybeat.pid")]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)
