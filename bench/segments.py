"""HLS segments through the permission check, against nginx (docs/deployment.md).

    .venv/bin/python bench/segments.py [--connections 200] [--seconds 15]

Starts the production stack of tests/prod/stack.py (a new PostgreSQL database, private redis-server,
gunicorn with deploy/gunicorn.conf.py, nginx with deploy/nginx/school.conf and a self-signed
certificate), transcodes one lesson video with the media worker, then drives nginx with ``wrk`` (apt
package ``wrk``) over HTTPS with keep-alive: ``--connections`` clients, all logged in as member 小明,
cycle through every segment of every rendition.

    protected   /videos/<id>/hls/<rendition>/seg_N.ts  Django checks the session and the lesson's
                audience, answers X-Accel-Redirect; nginx sends the file
    signed      /hls-segments/...?s=&e=  the URLs of the rendition playlist with MEDIA_SIGNED_SEGMENTS_KEY
                (what players fetch in production): nginx checks the signature for the session
    static      the same files from a plain nginx location (no check), same nginx, same run

Prints ``metric segments_per_s``, ``metric protected_vs_static`` (goal >= 0.5) and ``metric
segment_p99_ms`` for the segments players fetch (signed URLs); the same for the X-Accel-Redirect path
(``xaccel_segments_per_s``, ``xaccel_vs_static``, ``xaccel_p99_ms``) and the static baseline
(``static_segments_per_s``, ``static_p99_ms``). Any answer other than 2xx fails the run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _django import metric  # noqa: E402

from tests.prod.stack import Browser, Stack, free_port, stop, wait_for  # noqa: E402

LUA = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def run_wrk(url: str, paths: list[str], cookie: str, connections: int, seconds: int) -> tuple[float, float, int]:
    """(requests per second, p99 latency in ms, answers that were not 2xx/3xx)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % ", ".join(f'"{path}"' for path in paths))
    try:
        done = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
                               "--timeout", "10s", "-H", f"Cookie: {cookie}", "-s", script.name, url],
                              capture_output=True, text=True, check=True)
    finally:
        os.unlink(script.name)
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    if errors:
        print(f"# {url}: {errors.group(0)}", flush=True)
    return rate, float(p99.group(1)) * scale, int(bad.group(1)) if bad else 0  # type: ignore[union-attr]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default 2 x cores + 1)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("bench/segments.py needs wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    stack = Stack(gunicorn_workers=args.workers or (os.cpu_count() or 1) * 2 + 1, static_port=free_port())
    try:
        stack.start_redis()
        stack.prepare()
        stack.apply_env()
        import django

        django.setup()
        from media.models import Video
        from tests.prod.journey import build_site

        site = build_site(stack)
        stack.start_workers()
        stack.start_web()
        stack.start_nginx()
        wait_for(lambda: Video.objects.get(pk=site["video_id"]).is_ready, 180, "transcoding",
                 stack.log("worker-media"))
        for name in ("worker-default", "worker-media"):
            stop(stack.processes.pop(name, None))
        video = Video.objects.get(pk=site["video_id"])
        hls = stack.media_root / video.hls_dir
        files = sorted(path.relative_to(hls).as_posix() for path in hls.glob("*/seg_*"))
        member = Browser(stack)
        assert member.login("xiaoming", site["password"]).status == 302
        cookie = "; ".join(f"{k}={v}" for k, v in member.cookies.items())
        protected = [f"/videos/{video.pk}/hls/{name}" for name in files]
        static = [f"/static-media/{video.hls_dir}/{name}" for name in files]
        signed = []
        for rung in sorted({name.split("/")[0] for name in files}):
            playlist = member.get(f"/videos/{video.pk}/hls/{rung}/index.m3u8")
            signed += [line for line in playlist.text.splitlines() if line.startswith("/hls-segments/")]
        assert len(signed) == len(files), (signed, files)
        assert member.get(protected[0], Range="bytes=0-99").status == 206
        assert member.get(signed[0], Range="bytes=0-99").status == 206
        print(f"# {len(files)} segments of {video.hls_dir}; {stack.gunicorn_workers} gunicorn workers; "
              f"{args.connections} connections, {args.seconds} s each, wrk over HTTPS keep-alive", flush=True)
        run_wrk(f"https://127.0.0.1:{stack.static_port}", static, cookie, args.connections, 3)  # warm the cache
        static_rate, static_p99, static_bad = run_wrk(f"https://127.0.0.1:{stack.static_port}", static, cookie,
                                                      args.connections, args.seconds)
        rate, p99, bad = run_wrk(stack.origin, signed, cookie, args.connections, args.seconds)
        xaccel_rate, xaccel_p99, xaccel_bad = run_wrk(stack.origin, protected, cookie, args.connections, args.seconds)
        if bad or static_bad or xaccel_bad:
            print(f"# FAILED: {bad} signed, {xaccel_bad} X-Accel and {static_bad} static answers were not 2xx",
                  flush=True)
            return 1
        metric("segments_per_s", rate)
        metric("protected_vs_static", rate / static_rate)
        metric("segment_p99_ms", p99)
        metric("xaccel_segments_per_s", xaccel_rate)
        metric("xaccel_vs_static", xaccel_rate / static_rate)
        metric("xaccel_p99_ms", xaccel_p99)
        metric("static_segments_per_s", static_rate)
        metric("static_p99_ms", static_p99)
        return 0
    finally:
        stack.close()


if __name__ == "__main__":
    sys.exit(main())
