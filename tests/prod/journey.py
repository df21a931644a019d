"""The production smoke journey (``make test-prod``; .ci/run calls it): the real stack of deploy/ on this
machine (tests/prod/stack.py), then over HTTPS through nginx what a district's users and operators do.
Not a pytest module: one process drives the stack step by step and stops at the first failed check,
printing the logs of the process that failed. ``--keep`` leaves the temporary folder for inspection.

    python -m tests.prod.journey [--keep]

Needs PostgreSQL (PROD_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres: a role
that may create databases), redis-server, nginx and openssl on PATH. Takes about two minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.prod.stack import Browser, Stack, wait_for

UPLOAD_BYTES = 200 * 1024 * 1024
_started = time.monotonic()


def step(message: str) -> None:
    print(f"[{time.monotonic() - _started:6.1f} s] {message}", flush=True)


def check(condition: Any, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def build_site(stack: Stack) -> dict[str, Any]:
    """The permission matrix's world (personas, a course restricted to general branch A, a document, a
    certificate of 小明) plus a real video transcoded by the media worker in A's video lesson."""
    from django.conf import settings
    from django.urls import reverse

    from courses.models import VideoLessonPage
    from media.services import register_video_from_path
    from search.indexing import rebuild
    from tests.factories import PASSWORD
    from tests.media import builders
    from tests.school.permission_matrix.world import build_world

    world = build_world(Path(settings.MEDIA_ROOT))
    clip = builders.clip(stack.folder / "lesson.mp4", size="640x360", seconds=8)
    video = register_video_from_path(clip, title="党课视频（冒烟测试）", uploaded_by=world.personas.trainer)
    VideoLessonPage.objects.filter(pk=world.video_lesson_a.pk).update(video=video)
    rebuild()
    return {
        "password": PASSWORD,
        "video_id": video.pk,
        "master": video.master_playlist_url,
        "certificate": reverse("exams:certificate_pdf", args=[world.certificate.serial]),
        "document": world.document_a.url,
        "document_bytes": Path(world.document_a.file.path).read_bytes(),
        "upload_url": reverse("wagtailsnippets_media_video:add"),
        "clip": clip,
    }


def video_state(video_id: int) -> str:
    from media.models import Video

    return str(Video.objects.get(pk=video_id).state)


def multipart(token: str, clip: Path, total: int) -> tuple[str, int, Iterator[bytes]]:
    """A video upload form with an ``original`` of ``total`` bytes: a real MP4 padded with zeros, made
    while it is sent (nothing of that size is written to disk by this side)."""
    boundary = secrets.token_hex(16)
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n大文件上传\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="original"; filename="big.mp4"\r\n'
            f"Content-Type: video/mp4\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    start = clip.read_bytes()

    def chunks() -> Iterator[bytes]:
        yield head
        yield start
        left, block = total - len(start), bytes(1024 * 1024)
        while left > 0:
            yield block[:min(left, len(block))]
            left -= len(block)
        yield tail

    return f"multipart/form-data; boundary={boundary}", len(head) + total + len(tail), chunks()


def table_counts(database: str) -> dict[str, int]:
    import psycopg

    from tests.prod.stack import database_url

    with psycopg.connect(database_url(database)) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        return {table: int(conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])  # type: ignore[index] # noqa: S608
                for table in tables}


def media_digests(root: Path) -> dict[str, str]:
    digests = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while chunk := handle.read(1024 * 1024):
                    digest.update(chunk)
            digests[path.relative_to(root).as_posix()] = digest.hexdigest()
    return digests


def journey(stack: Stack) -> None:
    step(f"stack under {stack.folder}: redis :{stack.redis_port}, database {stack.database}")
    stack.start_redis()
    stack.prepare()
    step("migrated and collected static files with school.settings.production")
    stack.apply_env()
    import django

    django.setup()
    site = build_site(stack)
    password = site["password"]
    step(f"site built; video {site['video_id']} queued for transcoding")
    stack.start_workers()
    stack.start_web()
    stack.start_nginx()
    step(f"gunicorn :{stack.web_port}, Celery default + media workers, nginx https :{stack.https_port} "
         f"http :{stack.http_port}")

    # --- plain HTTP goes to HTTPS; login; security headers and cookies --------------------------------
    import http.client

    plain = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    plain.request("GET", "/accounts/login/")
    redirect = plain.getresponse()
    check(redirect.status == 301 and redirect.getheader("Location", "").startswith("https://"),
          f"http:// answers {redirect.status} {redirect.getheader('Location')}")
    plain.close()

    member = Browser(stack)
    login = member.login("xiaoming", password)
    check(login.status == 302, f"login answered {login.status}: {login.text[:500]}")
    session = next((c for c in login.cookies if c.startswith("sessionid=")), "")
    check("Secure" in session and "HttpOnly" in session, f"session cookie flags: {session}")
    check(all("Secure" in c for c in login.cookies if c.startswith("csrftoken=")), f"csrf cookie: {login.cookies}")
    home = member.get("/")
    check(home.status == 200, f"home page {home.status}")
    headers = home.headers
    check(headers.get("strict-transport-security", "").startswith("max-age="), f"HSTS: {headers}")
    check(headers.get("x-content-type-options") == "nosniff", "nosniff missing")
    check(headers.get("x-frame-options") == "DENY", "X-Frame-Options missing")
    check("default-src 'self'" in headers.get("content-security-policy", ""), "CSP missing")
    check(headers.get("referrer-policy") == "same-origin", "Referrer-Policy missing")
    check(headers.get("cross-origin-opener-policy") == "same-origin", "COOP missing")
    check(headers.get("server", "").startswith("nginx"), f"not answered through nginx: {headers.get('server')}")
    check(len(headers.get("x-request-id", "")) == 32, "X-Request-ID (nginx's $request_id) missing")
    step("http -> https, login, Secure/HttpOnly cookies, HSTS, CSP, nosniff, X-Frame-Options, request id")

    css = re.search(r'/static/[^"]+\.[0-9a-f]{12}\.css', home.text)
    check(css, "no hashed stylesheet on the home page")
    style = member.get(css.group(0), Accept_Encoding="gzip")
    check(style.status == 200 and style.headers.get("content-encoding") == "gzip", f"static gzip: {style.headers}")
    check("immutable" in style.headers.get("cache-control", ""), f"static caching: {style.headers}")
    step(f"static {css.group(0)}: gzip, Cache-Control immutable")

    # --- video: master playlist and a segment with Range, served by nginx after Django's check ---------
    wait_for(lambda: video_state(site["video_id"]) == "ready", 150, "the transcoded video",
             stack.log("worker-media"))
    step("video transcoded by the media worker")
    master = member.get(site["master"])
    check(master.status == 200 and master.headers.get("content-type") == "application/vnd.apple.mpegurl",
          f"master playlist: {master.status} {master.headers}")
    check("x-accel-redirect" not in master.headers, "X-Accel-Redirect leaked to the client")
    variant = next(line for line in master.text.splitlines() if line and not line.startswith("#"))
    base = site["master"].rsplit("/", 1)[0]
    playlist = member.get(f"{base}/{variant}")
    check(playlist.status == 200, f"variant playlist {playlist.status}")
    signed = next(line for line in playlist.text.splitlines() if line and not line.startswith("#"))
    check(signed.startswith("/hls-segments/") and "?s=" in signed, f"segment not signed: {signed}")
    segment_name = signed.split("?", 1)[0].rsplit("/", 1)[1]
    segment_url = f"{base}/{variant.rsplit('/', 1)[0]}/{segment_name}"
    for url, how in ((segment_url, "through Django (X-Accel-Redirect)"), (signed, "signed URL checked by nginx")):
        part = member.get(url, Range="bytes=0-99")
        check(part.status == 206, f"segment {how} with Range answered {part.status}")
        check(len(part.body) == 100 and part.headers.get("content-range", "").startswith("bytes 0-99/"),
              f"partial content {how}: {len(part.body)} bytes, {part.headers.get('content-range')}")
        check(part.headers.get("content-type") == "video/mp2t", f"segment type {part.headers.get('content-type')}")
        check(part.headers.get("x-content-type-options") == "nosniff", f"segment headers: {part.headers}")
        check("private" in part.headers.get("cache-control", ""), f"segment caching: {part.headers}")
        whole = member.get(url)
        check(whole.status == 200 and whole.body[:100] == part.body, f"whole segment {how} differs from its range")
    outsider = Browser(stack)
    check(outsider.login("xiaogang", password).status == 302, "小刚 cannot log in")
    for url in (site["master"], f"{base}/{variant}", segment_url, signed):
        denied = outsider.get(url, Range="bytes=0-99")
        check(denied.status == 404, f"{url} for a member outside branch A: {denied.status}")
    expires = int(signed.rsplit("e=", 1)[1])
    tampered = member.get(signed.replace(f"e={expires}", f"e={expires + 3600}"))
    check(tampered.status == 404, f"a signed URL with a changed expiry: {tampered.status}")
    step(f"{segment_url} and its signed URL: Range 0-99 -> 206 from nginx ({part.headers.get('content-range')}); "
         "404 for 小刚 (also with 小明's signed URL) and for a changed expiry")

    # --- certificate, document, search ----------------------------------------------------------------
    pdf = member.get(site["certificate"])
    check(pdf.status == 200 and pdf.body.startswith(b"%PDF") and pdf.headers.get("content-type") ==
          "application/pdf", f"certificate: {pdf.status} {pdf.headers.get('content-type')}")
    check(pdf.headers.get("content-disposition", "").startswith("attachment"), "certificate not an attachment")
    check(outsider.get(site["certificate"]).status == 404, "another member's certificate is visible")
    document = member.get(site["document"])
    check(document.status == 200 and document.body == site["document_bytes"], f"document: {document.status}")
    check(document.headers.get("content-type") == "application/pdf", f"document type: {document.headers}")
    check(document.headers.get("content-disposition", "").startswith("inline"), f"document: {document.headers}")
    check(document.headers.get("x-content-type-options") == "nosniff", "document without nosniff")
    check("default-src 'none'" in document.headers.get("content-security-policy", ""), "document without CSP")
    ranged = member.get(site["document"], Range="bytes=0-3")
    check(ranged.status == 206 and ranged.body == site["document_bytes"][:4], f"document range {ranged.status}")
    check(outsider.get(site["document"]).status == 404, "A's document visible to 小刚")
    search = member.get("/search/?q=%E5%BB%89%E6%B4%81")  # 廉洁
    check(search.status == 200 and "自律准则" in search.text, f"search: {search.status} {search.text[-1500:]}")
    step("certificate PDF (attachment), document (inline PDF, nosniff, CSP, Range 206), search 廉洁")

    # --- a 200 MB upload through nginx ----------------------------------------------------------------
    trainer = Browser(stack)
    check(trainer.login("teacher", password).status == 302, "trainer login")
    form = trainer.get(site["upload_url"])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    check(form.status == 200 and token, f"upload form {form.status}")
    content_type, length, body = multipart(token.group(1), site["clip"], UPLOAD_BYTES)
    started = time.monotonic()
    upload = trainer.request("POST", site["upload_url"], body=body, headers={
        "Content-Type": content_type, "Content-Length": str(length),
        "Referer": f"{stack.origin}{site['upload_url']}"})
    seconds = time.monotonic() - started
    check(upload.status == 302, f"upload answered {upload.status}: {upload.text[:800]}")
    from media.models import Video

    uploaded = Video.objects.filter(title="大文件上传").first()
    check(uploaded is not None and uploaded.size_bytes == UPLOAD_BYTES, "uploaded video row missing or cut")
    check(Path(uploaded.original.path).stat().st_size == UPLOAD_BYTES, "stored original has another size")
    step(f"200 MB upload through nginx in {seconds:.1f} s -> 302, stored whole ({UPLOAD_BYTES} bytes)")

    # --- readiness, then Redis down -------------------------------------------------------------------
    ready = member.get("/ready/")
    report = json.loads(ready.body)
    check(ready.status == 200 and report["status"] == "ok", f"/ready/: {ready.status} {report}")
    check(set(report["checks"]) == {"database", "broker", "cache", "disk", "storage", "ffmpeg", "search"}, str(report))
    step("/ready/ 200: " + ", ".join(f"{name} {c['status']}" for name, c in report["checks"].items()))
    stack.stop_redis()
    down = Browser(stack).get("/ready/")
    report = json.loads(down.body)
    check(down.status == 503, f"/ready/ with Redis stopped: {down.status}")
    check(report["checks"]["broker"]["status"] == "error" and report["checks"]["cache"]["status"] == "error",
          str(report))
    check(report["checks"]["database"]["status"] == "ok", str(report))
    check(Browser(stack).get("/health/").status == 200, "/health/ must not depend on Redis")
    check(member.get("/").status == 200, "home page with Redis stopped")
    check(member.get(segment_url, Range="bytes=0-99").status == 206, "video with Redis stopped")
    check(member.get(signed, Range="bytes=0-99").status == 206, "signed segment with Redis stopped")
    again = Browser(stack)
    check(again.login("xiaogang", password).status == 302, "login with Redis stopped")
    step(f"Redis stopped: /ready/ 503 ({report['checks']['broker']['message']} / "
         f"{report['checks']['cache']['message']}); pages, video and login still answer")

    # --- backup, restore into a new database and media root -------------------------------------------
    for name in ("worker-default", "worker-media"):
        from tests.prod.stack import stop

        stop(stack.processes.pop(name, None), timeout=30)
    stack.stop_web()
    out = stack.manage("backup", str(stack.folder / "backup"))
    step(out.strip())
    restored = stack.create_database(f"{stack.database}_restored")
    env2 = stack.env(DATABASE_URL=stack.env()["DATABASE_URL"].rsplit("/", 1)[0] + f"/{restored}",
                     MEDIA_ROOT=str(stack.folder / "media-restored"))
    out = stack.manage("restore", str(stack.folder / "backup"), env=env2)
    step(out.strip().replace("\n", " | "))
    before, after = table_counts(stack.database), table_counts(restored)
    check(before == after, f"row counts differ: {[t for t in before if before[t] != after.get(t)]}")
    check(media_digests(stack.media_root) == media_digests(stack.folder / "media-restored"),
          "restored files differ")
    stack.start_web(env=env2)
    fresh = Browser(stack)
    check(fresh.login("xiaoming", password).status == 302, "login on the restored site")
    check(fresh.get("/").status == 200, "home page of the restored site")
    check(fresh.get(site["certificate"]).body.startswith(b"%PDF"), "certificate of the restored site")
    step(f"restored into {restored}: {len(after)} tables and {sum(after.values())} rows equal, "
         f"{len(media_digests(stack.folder / 'media-restored'))} files equal, login works")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, backup)")
    args = parser.parse_args()
    stack = Stack()
    try:
        journey(stack)
    except Exception as exc:
        print(f"FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        for name in ("gunicorn", "worker-default", "worker-media", "nginx", "redis"):
            log = stack.log(name)
            if log.exists():
                print(f"--- {name} (last lines):\n{log.read_text(errors='replace')[-2500:]}", file=sys.stderr)
        error_log = stack.folder / "nginx" / "error.log"
        if error_log.exists():
            print(f"--- nginx error.log:\n{error_log.read_text(errors='replace')[-2500:]}", file=sys.stderr)
        stack.close(keep=True)
        print(f"logs kept in {stack.folder}", file=sys.stderr)
        return 1
    stack.close(keep=args.keep)
    step("make test-prod: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
