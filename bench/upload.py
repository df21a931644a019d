"""Resumable uploads over loopback: the tus endpoint against a plain streamed POST of the same file.

    .venv/bin/python bench/upload.py [--size-mb 1024] [--chunk-mb 64] [--workers 2]

A lecture-sized file (a real clip's first bytes, so the content check passes, then random bytes) goes to a
gunicorn serving the project (sync workers, a throwaway SQLite database under a temporary VAR_DIR):

1. a plain streamed POST (multipart, written to the socket piece by piece) to the admin's one-request upload
   form — the baseline, in the same run;
2. tuspy through ``/videos/uploads/`` uninterrupted (PATCH requests of ``--chunk-mb``);
3. a client that sends the whole file in one PATCH and is killed at 50 % (the socket reset, as when the
   process dies or the line drops), then tuspy resuming from the offset the server acknowledged.

Prints ``metric upload_mb_s`` (2), ``metric plain_post_mb_s`` (1), ``metric tus_vs_plain_post`` (2 ÷ 1,
goal ≥ 0.7), ``metric resumed_bytes_resent_ratio`` (bytes sent twice in 3 ÷ file size, goal ≤ 0.02) and
``metric resumed_upload_mb_s`` (3, the size over the time of both halves). Every stored original is checked
byte for byte (SHA-256) against the source.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _django import login_cookie, metric, setup  # noqa: E402
from _gunicorn import gunicorn  # noqa: E402

PIECE = 1024 * 1024


def make_source(path: Path, size: int) -> str:
    """A short real clip followed by random bytes up to ``size``; returns its SHA-256."""
    from media.processing import ffmpeg_binary

    clip = path.with_suffix(".head.mp4")
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=320x180:rate=25:d=1", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt",
                    "yuv420p", str(clip)], check=True)
    sha = hashlib.sha256()
    with path.open("wb") as out:
        head = clip.read_bytes()
        out.write(head)
        sha.update(head)
        left = size - len(head)
        while left > 0:
            block = os.urandom(min(PIECE * 8, left))
            out.write(block)
            sha.update(block)
            left -= len(block)
    clip.unlink()
    return sha.hexdigest()


def sha256_of(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(PIECE * 8):
            sha.update(block)
    return sha.hexdigest()


def plain_post(port: int, cookie: str, csrf: str, source: Path, add_path: str) -> float:
    """The one-request admin form, streamed: multipart preamble, the file in 1 MB pieces, the epilogue."""
    boundary = uuid.uuid4().hex
    preamble = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n{csrf}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nplain\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"original\"; filename=\"plain.mp4\"\r\n"
                "Content-Type: video/mp4\r\n\r\n").encode()
    epilogue = f"\r\n--{boundary}--\r\n".encode()
    length = len(preamble) + source.stat().st_size + len(epilogue)
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    connection.putrequest("POST", add_path)
    for name, value in {"Cookie": cookie, "Content-Type": f"multipart/form-data; boundary={boundary}",
                        "Content-Length": str(length), "Referer": f"http://127.0.0.1:{port}{add_path}"}.items():
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(preamble)
    with source.open("rb") as handle:
        while block := handle.read(PIECE):
            connection.send(block)
    connection.send(epilogue)
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    if response.status != 302:
        raise SystemExit(f"plain POST answered {response.status}")
    return elapsed


def tus(port: int, cookie: str, csrf: str, chunk: int):
    from tusclient import client

    return client.TusClient(f"http://127.0.0.1:{port}/videos/uploads/", headers={"Cookie": cookie,
                                                                                "X-CSRFToken": csrf}), chunk


def killed_at_half(port: int, cookie: str, csrf: str, url: str, source: Path) -> int:
    """One PATCH for the whole file; the socket is reset once half of it was handed to the kernel.
    Returns the bytes this client put on the wire."""
    size = source.stat().st_size
    path = url.split(f":{port}", 1)[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    connection.putrequest("PATCH", path)
    for name, value in {"Cookie": cookie, "X-CSRFToken": csrf, "Tus-Resumable": "1.0.0", "Upload-Offset": "0",
                        "Content-Type": "application/offset+octet-stream", "Content-Length": str(size)}.items():
        connection.putheader(name, value)
    connection.endheaders()
    sent = 0
    with source.open("rb") as handle:
        while sent < size // 2 and (block := handle.read(PIECE)):
            connection.send(block)
            sent += len(block)
    sock = connection.sock
    assert sock is not None
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST, like a kill
    sock.close()
    return sent


def offset_of(port: int, cookie: str, csrf: str, url: str, at_least: int, timeout: float = 60) -> int:
    import requests

    deadline = time.monotonic() + timeout
    offset = 0
    while time.monotonic() < deadline:
        answer = requests.head(url, headers={"Cookie": cookie, "X-CSRFToken": csrf, "Tus-Resumable": "1.0.0"},
                               timeout=30)
        offset = int(answer.headers["Upload-Offset"])
        if offset >= at_least:
            break
        time.sleep(0.2)
    return offset


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--chunk-mb", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ["MEDIA_MAX_UPLOAD_MB"] = str(max(8192, args.size_mb * 2))
    var = setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from media.models import Video
    from school.services.members import grant_trainer

    user = get_user_model().objects.create_user("bench-trainer", password=uuid.uuid4().hex)
    grant_trainer(user)
    cookie, csrf = login_cookie(user)
    size = args.size_mb * 1024 * 1024
    chunk = args.chunk_mb * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="bench-upload-", dir=var) as scratch:
        source = Path(scratch) / "lecture.mp4"
        checksum = make_source(source, size)
        print(f"# {args.size_mb} MB source, {args.chunk_mb} MB PATCH requests, {args.workers} gunicorn workers, "
              f"VAR_DIR={var}", flush=True)
        with gunicorn(args.workers, timeout=3600) as port:
            plain_seconds = plain_post(port, cookie, csrf, source, reverse("wagtailsnippets_media_video:add"))

            tus_client, _ = tus(port, cookie, csrf, chunk)
            started = time.perf_counter()
            tus_client.uploader(str(source), chunk_size=chunk, metadata={"filename": "tus.mp4"}).upload()
            tus_seconds = time.perf_counter() - started

            started = time.perf_counter()
            uploader = tus_client.uploader(str(source), chunk_size=chunk, metadata={"filename": "resumed.mp4"})
            url = uploader.create_url()
            wire = killed_at_half(port, cookie, csrf, url, source)
            acknowledged = offset_of(port, cookie, csrf, url, at_least=1)
            resumed = tus_client.uploader(str(source), url=url, chunk_size=chunk)
            assert resumed.offset == acknowledged
            resumed.upload()
            resumed_seconds = time.perf_counter() - started
        names = {"plain.mp4", "tus.mp4", "resumed.mp4"}
        for video in Video.objects.filter(original_name__in=names):
            stored = sha256_of(Path(settings.MEDIA_ROOT, video.original.name))
            if stored != checksum or video.checksum != checksum:
                raise SystemExit(f"{video.original_name}: the stored file differs from the source")
        if Video.objects.filter(original_name__in=names).count() != 3:
            raise SystemExit("not every upload registered a video")
    resent = wire - acknowledged
    print(f"# killed after {wire} bytes on the wire, {acknowledged} acknowledged, {size - acknowledged} sent again "
          "by the resuming client", flush=True)
    metric("upload_mb_s", args.size_mb / tus_seconds)
    metric("plain_post_mb_s", args.size_mb / plain_seconds)
    metric("tus_vs_plain_post", plain_seconds / tus_seconds)
    metric("resumed_bytes_resent_ratio", resent / size)
    metric("resumed_upload_mb_s", args.size_mb / resumed_seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
