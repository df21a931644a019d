"""The shared-storage contract at start-up: web and worker processes check MEDIA_ROOT when they start
(a write and a rename, one filesystem, the folder the other machines share). Production refuses to
start with a message naming MEDIA_ROOT; elsewhere the problem is logged; check_services and /ready/
report the same check."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from school.readiness import STORAGE_ID_CACHE_KEY, StorageContractError, verify_storage_at_start
from tests.school.test_settings import SERVICES

ROOT = Path(__file__).resolve().parents[2]
STRONG = {"SECRET_KEY": "s" * 60, "FIELD_ENCRYPTION_KEY": "f" * 60}


def unusable_media_root(tmp_path: Path) -> str:
    """A MEDIA_ROOT below a regular file: nothing can be written there (even by root)."""
    (tmp_path / "not-a-folder").write_text("x")
    return str(tmp_path / "not-a-folder" / "uploads")


def environment(settings_module: str, **extra: str) -> dict[str, str]:
    dropped = {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "STORAGE_CHECK_AT_START",
               *SERVICES}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    services = SERVICES if settings_module.endswith("production") else {}
    return {**base, "DJANGO_SETTINGS_MODULE": settings_module, **services, **extra}


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    from django.core.cache import cache

    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.delete(STORAGE_ID_CACHE_KEY)
    return tmp_path / "media"


def test_it_refuses_to_start_the_web_server_in_production_on_an_unusable_media_root(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", "import school.wsgi"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env=environment("school.settings.production", **STRONG,
                                                         MEDIA_ROOT=unusable_media_root(tmp_path)))

    assert result.returncode != 0
    assert "StorageContractError: MEDIA_ROOT=" in result.stderr
    assert "the web server cannot start" in result.stderr and "NotADirectoryError" in result.stderr


@pytest.mark.worker
def test_it_refuses_to_start_a_worker_in_production_on_an_unusable_media_root(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "school", "worker", "-Q", "default", "--pool", "solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env=environment("school.settings.production", **STRONG, MEDIA_ROOT=unusable_media_root(tmp_path),
                        CELERY_BROKER_URL="redis://127.0.0.1:9/0"))  # never reached: it stops before connecting
    output = result.stdout + result.stderr

    assert result.returncode != 0
    assert "MEDIA_ROOT=" in output and "the Celery worker cannot start" in output
    assert "ready." not in output and "Connected to" not in output


def test_it_starts_outside_production_and_logs_the_problem(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", "import school.wsgi; print('started')"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120,
                            env=environment("school.settings.test", MEDIA_ROOT=unusable_media_root(tmp_path),
                                            VAR_DIR=str(tmp_path / "var")))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"
    assert "MEDIA_ROOT=" in result.stderr and "the web server cannot start" in result.stderr


@pytest.mark.django_db
def test_it_starts_on_a_media_root_that_keeps_the_contract(media_root: Path, settings: Any) -> None:
    settings.STORAGE_CHECK_AT_START = True

    verify_storage_at_start("web server")  # no error

    assert (media_root / ".school-storage-id").is_file()


@pytest.mark.django_db
def test_it_refuses_a_media_root_with_a_folder_on_another_filesystem(media_root: Path, settings: Any) -> None:
    other_disk = Path("/dev/shm") / f"school-test-{uuid.uuid4().hex[:8]}"
    if not Path("/dev/shm").is_dir() or os.stat("/dev/shm").st_dev == os.stat(media_root.parent).st_dev:
        pytest.skip("needs /dev/shm on another filesystem than the test's temporary folder")
    other_disk.mkdir()
    try:
        (media_root / "videos").mkdir(parents=True)
        (media_root / "videos" / "hls").symlink_to(other_disk)  # HLS output linked to another disk
        settings.STORAGE_CHECK_AT_START = True

        with pytest.raises(StorageContractError, match=r"MEDIA_ROOT=.*videos/hls"):
            verify_storage_at_start("Celery worker")
        out = io.StringIO()
        with pytest.raises(CommandError) as failed:
            call_command("check_services", stdout=out)
    finally:
        other_disk.rmdir()
    assert "不可用：storage" in str(failed.value)
    storage = [line for line in out.getvalue().splitlines() if " storage " in line]
    assert storage and "videos/hls" in storage[0] and "重命名" in storage[0], out.getvalue()
