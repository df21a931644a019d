"""Is every service this site depends on answering? For ``/ready/`` and ``manage.py check_services``.

Each check takes a bounded time (about two seconds at most) and returns a ``Check``: a status
(``ok`` or ``error``) and a Chinese message an operator can act on (no URLs or passwords in it).
``school`` checks the database, the task broker, the cache, the free disk under ``MEDIA_ROOT`` and
that ``MEDIA_ROOT`` is the shared folder (a write/rename probe and its identity);
the apps above it add theirs through the ``READINESS_CHECKS`` hook (school/hooks.py): ``media``
checks ffmpeg, ``search`` the search engine. ``/health/`` stays the cheap liveness check (the
database only); ``/ready/`` answers 503 as soon as one check fails, for monitors and load balancers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext as _
from wagtail import hooks

from school.hooks import READINESS_CHECKS

OK, ERROR = "ok", "error"
TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    message: str
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == OK

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "message": self.message, "duration_ms": round(self.duration_ms, 1)}


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return Check("database", ERROR, _("The database does not answer: %(error)s") % {"error": type(exc).__name__})
    return Check("database", OK, _("The database answers (%(vendor)s).") % {"vendor": connection.vendor})


def _redis_ping(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
    try:
        client.ping()
    finally:
        client.close()


def check_broker() -> Check:
    url = str(settings.CELERY_BROKER_URL)
    if url.startswith("filesystem://"):
        folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")))
        if folder.is_dir() and os.access(folder, os.W_OK):
            return Check("broker", OK, _("The embedded task queue (file system) is writable."))
        return Check("broker", ERROR, _("The embedded task queue folder %(folder)s is missing or not writable.")
                     % {"folder": folder})
    try:
        if url.startswith(("redis://", "rediss://")):
            _redis_ping(url)
        else:
            from kombu import Connection

            with Connection(url, connect_timeout=TIMEOUT_SECONDS) as conn:
                conn.ensure_connection(max_retries=1, timeout=int(TIMEOUT_SECONDS))
    except Exception as exc:
        return Check("broker", ERROR, _("The task broker does not answer (%(error)s): tasks wait in the outbox.")
                     % {"error": type(exc).__name__})
    return Check("broker", OK, _("The task broker answers."))


def check_cache() -> Check:
    url = getattr(settings, "CACHE_URL", None)
    if not url:
        return Check("cache", OK, _("The cache is in process memory (no cache server configured)."))
    try:
        _redis_ping(str(url))
    except Exception as exc:
        return Check("cache", ERROR, _("The cache server does not answer (%(error)s): pages work without it, "
                                       "more slowly.") % {"error": type(exc).__name__})
    return Check("cache", OK, _("The cache server answers."))


def check_disk() -> Check:
    root = Path(settings.MEDIA_ROOT)
    minimum = int(getattr(settings, "READY_MIN_FREE_DISK_MB", 1024))
    try:
        root.mkdir(parents=True, exist_ok=True)
        free_mb = shutil.disk_usage(root).free // (1024 * 1024)
    except OSError as exc:
        return Check("disk", ERROR, _("The upload folder cannot be read: %(error)s") % {"error": type(exc).__name__})
    values = {"free": free_mb, "minimum": minimum}
    if free_mb < minimum:
        return Check("disk", ERROR, _("Only %(free)s MB free under the upload folder (at least %(minimum)s MB "
                                      "needed).") % values)
    return Check("disk", OK, _("%(free)s MB free under the upload folder.") % values)


STORAGE_ID_FILE = ".school-storage-id"
STORAGE_ID_CACHE_KEY = "school:shared-storage-id"


def check_shared_storage() -> Check:
    """The storage contract (docs/deployment.md, "Several machines"): MEDIA_ROOT is one POSIX folder
    shared by every web and worker machine. Probe: write a file and rename it inside MEDIA_ROOT (the
    transcoder publishes with a rename), then compare the folder's identity (a file written once) with
    the one the other machines registered in the shared cache: a machine with its own local folder
    has another identity."""
    root = Path(settings.MEDIA_ROOT)
    probe = root / ".school-probe"
    token = uuid.uuid4().hex
    try:
        probe.mkdir(parents=True, exist_ok=True)
        written = probe / f"{token}.tmp"
        written.write_text(token)
        renamed = probe / token
        os.replace(written, renamed)
        ok = renamed.read_text() == token
        renamed.unlink()
        marker = root / STORAGE_ID_FILE
        if not marker.exists():
            with contextlib.suppress(FileExistsError), open(marker, "x") as fh:
                fh.write(uuid.uuid4().hex)
        identity = marker.read_text().strip()
    except OSError as exc:
        return Check("storage", ERROR, _("The upload folder does not take a write and rename: %(error)s")
                     % {"error": type(exc).__name__})
    if not ok:
        return Check("storage", ERROR, _("The upload folder returned other content than was written."))
    other = _other_filesystem(root)
    if other is not None:
        return Check("storage", ERROR, _("%(folder)s is on another filesystem than MEDIA_ROOT: files cannot be "
                                         "moved into place by renaming. Mount one shared folder at MEDIA_ROOT.")
                     % {"folder": other})
    with contextlib.suppress(Exception):  # the cache is optional here: without it only the probe counts
        registered = cache.get(STORAGE_ID_CACHE_KEY)
        if registered is None:
            cache.set(STORAGE_ID_CACHE_KEY, identity, None)
        elif registered != identity:
            return Check("storage", ERROR, _("MEDIA_ROOT on this machine is not the folder the other machines "
                                             "share: mount the shared upload folder here."))
    return Check("storage", OK, _("The upload folder takes writes and renames."))


def _other_filesystem(root: Path, depth: int = 2) -> str | None:
    """The first folder within ``depth`` levels under ``root`` (following links) that lies on another
    filesystem than ``root`` (a separate mount or a link to another disk), relative to ``root``; the
    transcoder renames its scratch folder (videos/tmp/…) into videos/hls/, which fails across filesystems."""
    device = root.stat().st_dev
    level = [root]
    for _level in range(depth):
        below: list[Path] = []
        for folder in level:
            with contextlib.suppress(OSError):
                for entry in os.scandir(folder):
                    if entry.is_dir(follow_symlinks=True) and not entry.name.startswith(".school-probe"):
                        if entry.stat(follow_symlinks=True).st_dev != device:
                            return str(Path(entry.path).relative_to(root))
                        below.append(Path(entry.path))
        level = below
    return None


class StorageContractError(Exception):
    """MEDIA_ROOT fails the shared-storage contract at start-up (the message names the setting)."""


def verify_storage_at_start(process: str) -> None:
    """Web and worker processes call this when they start. With ``STORAGE_CHECK_AT_START`` (production)
    a MEDIA_ROOT that does not take a write and a rename, lies on several filesystems or is not the
    folder the other machines share stops the start with ``StorageContractError``; otherwise the problem
    is logged and the process starts (``check_services`` and /ready/ keep reporting it)."""
    import logging

    check = check_shared_storage()
    if check.status == OK:
        return
    message = (f"MEDIA_ROOT={settings.MEDIA_ROOT}: the {process} cannot start on this storage "
               f"(docs/deployment.md, \"Several machines\"): {check.message}")
    if getattr(settings, "STORAGE_CHECK_AT_START", False):
        raise StorageContractError(message)
    logging.getLogger(__name__).error("%s", message)


BUILT_IN: tuple[Callable[[], Check], ...] = (check_database, check_broker, check_cache, check_disk,
                                             check_shared_storage)


def run_checks() -> list[Check]:
    """Every check, each timed; a check that raises counts as failed (its message names the error)."""
    results = []
    for fn in (*BUILT_IN, *hooks.get_hooks(READINESS_CHECKS)):
        started = time.monotonic()
        try:
            check = fn()
        except Exception as exc:
            name = getattr(fn, "__name__", "check").removeprefix("check_").removesuffix("_ready")
            check = Check(name, ERROR, _("The check failed: %(error)s") % {"error": type(exc).__name__})
        results.append(Check(check.name, check.status, check.message, (time.monotonic() - started) * 1000))
    return results


def report(checks: list[Check]) -> dict[str, object]:
    return {"status": OK if all(check.ok for check in checks) else ERROR,
            "checks": {check.name: check.as_dict() for check in checks}}
