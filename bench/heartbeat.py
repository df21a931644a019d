"""Heartbeats under load: gunicorn (several workers, persistent connections) on 127.0.0.1, driven by a
bounded Python load generator in a second process, against an authenticated no-op JSON view behind
the same middleware (/api/v1/ping/), in the same run.

    python bench/heartbeat.py [--workers 4] [--threads 8] [--seconds 8] [--rounds 2]

Prints ``metric heartbeat_vs_noop`` (heartbeats/s ÷ no-op requests/s; goal ≥ 0.6) and
``metric db_writes_per_heartbeat`` (goal ≤ 1), counted by bench/_dbcount.py (COURSES_COUNT_DB_WRITES=1).
DATABASE_URL may point at a scratch PostgreSQL database; otherwise a throwaway SQLite file is used.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CSRF = "benchcsrftokenbenchcsrftoken0123"  # 32 characters: Django accepts an unmasked secret


def prepare(members: int) -> dict[str, Any]:
    os.environ["COURSES_COUNT_DB_WRITES"] = "1"
    import _django

    var = _django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from courses.models import CoursePage, VideoLessonPage
    from courses.services import ensure_site_pages, start_session
    from media.models import Video, VideoState
    from school import services

    org = services.create_organization(parent=None, name="基准党委", code=f"HB{int(time.time())}", kind="committee")
    catalog = ensure_site_pages().catalog
    course = CoursePage(title="基准课程", credit_hours=1)
    catalog.add_child(instance=course)
    course.save_revision().publish()
    video = Video.objects.create(title="基准视频", original="videos/originals/bench.mp4", duration=36_000.0,
                                 state=VideoState.READY)
    lesson = VideoLessonPage(title="基准课时", video=video, required_share=90)
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    clients = []
    for i in range(members):
        member = services.create_member(username=f"hb{i}", name=f"基准{i}", organization=org, password=None)
        user = member.user
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        token = start_session(user, lesson.pk)["session"]
        clients.append({"sessionid": store.session_key, "token": token})
    return {"var": str(var), "lesson": lesson.pk, "clients": clients}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def load(plan_file: str, mode: str, port: int, threads: int, seconds: float, offset: int) -> None:
    """The load generator (a separate process): one persistent connection per thread."""
    plan = json.loads(Path(plan_file).read_text())
    clients = plan["clients"]
    lesson = plan["lesson"]
    results = [[0, 0, 0] for _ in range(threads)]  # ok, errors, writes
    deadline = time.perf_counter() + seconds

    def worker(n: int) -> None:
        client = clients[n % len(clients)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Content-Type": "application/json", "X-CSRFToken": CSRF,
                   "Cookie": f"sessionid={client['sessionid']}; csrftoken={CSRF}"}
        seq = offset
        position = offset * 0.001
        while time.perf_counter() < deadline:
            if mode == "noop":
                path, body = "/api/v1/ping/", "{}"
            else:
                seq += 1
                start, position = position, position + 0.001
                path = f"/api/v1/progress/{lesson}/heartbeat/"
                body = json.dumps({"session": client["token"], "seq": seq, "start": start, "position": position})
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                results[n][0] += 1
            else:
                results[n][1] += 1
            results[n][2] += int(response.getheader("X-DB-Writes") or 0)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    ok, errors, writes = (sum(r[i] for r in results) for i in range(3))
    print(json.dumps({"mode": mode, "ok": ok, "errors": errors, "writes": writes, "elapsed": elapsed}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--offset", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load(args.load, args.mode, args.port, args.threads, args.seconds, args.offset)
        return

    plan = prepare(args.threads)
    plan_file = Path(plan["var"]) / "heartbeat-plan.json"
    plan_file.write_text(json.dumps(plan))
    port = free_port()
    env = {**os.environ, "VAR_DIR": plan["var"], "DEBUG": "0", "COURSES_COUNT_DB_WRITES": "1",
           "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "school.settings.dev")}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "school.wsgi:application", "--workers", str(args.workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(ROOT)],
        env=env, cwd=ROOT)
    try:
        wait_ready(port)
        totals: dict[str, list[float]] = {"noop": [0, 0, 0, 0], "heartbeat": [0, 0, 0, 0]}
        offset = 0
        for _round in range(args.rounds):
            for mode in ("noop", "heartbeat"):
                out = subprocess.run(
                    [sys.executable, __file__, "--load", str(plan_file), "--mode", mode, "--port", str(port),
                     "--threads", str(args.threads), "--seconds", str(args.seconds), "--offset", str(offset)],
                    check=True, capture_output=True, text=True, env=env).stdout
                result = json.loads(out.strip().splitlines()[-1])
                offset += 1_000_000
                for i, key in enumerate(("ok", "errors", "writes", "elapsed")):
                    totals[mode][i] += result[key]
        if not totals["noop"][0] or not totals["heartbeat"][0]:
            raise SystemExit(f"requests failed: {totals}")
        noop_rate = totals["noop"][0] / totals["noop"][3]
        beat_rate = totals["heartbeat"][0] / totals["heartbeat"][3]
        print(f"# {args.workers} gunicorn workers, {args.threads} client threads, {args.rounds}×{args.seconds:g} s "
              f"per mode; noop {totals['noop'][0]:.0f} ok / {totals['noop'][1]:.0f} errors, heartbeat "
              f"{totals['heartbeat'][0]:.0f} ok / {totals['heartbeat'][1]:.0f} errors; "
              f"database {env.get('DATABASE_URL', 'sqlite (WAL)').split('@')[-1]}")
        print(f"metric noop_per_s {noop_rate:.1f}")
        print(f"metric heartbeats_per_s {beat_rate:.1f}")
        print(f"metric heartbeat_vs_noop {beat_rate / noop_rate:.3f}")
        print(f"metric db_writes_per_heartbeat {totals['heartbeat'][2] / max(totals['heartbeat'][0], 1):.3f}")
        print(f"metric db_writes_per_noop {totals['noop'][2] / max(totals['noop'][0], 1):.3f}")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
