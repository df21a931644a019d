"""`manage.py check_services` and `/ready/`: each service the site needs, with a status and a Chinese
message; exit code 1 and HTTP 503 as soon as one fails; `/health/` stays the cheap liveness check."""

from __future__ import annotations

import io
import socket
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("check_services", stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


@pytest.fixture
def all_up(settings: Any, tmp_path: Any) -> Any:
    settings.CELERY_BROKER_URL = "filesystem://"
    queue = tmp_path / "queue"
    queue.mkdir()
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(queue), "data_folder_out": str(queue)}
    settings.CACHE_URL = None
    settings.ELASTICSEARCH_URL = None
    settings.READY_MIN_FREE_DISK_MB = 1
    settings.MEDIA_ROOT = str(tmp_path / "media")
    from django.core.cache import cache

    from school.readiness import STORAGE_ID_CACHE_KEY

    cache.delete(STORAGE_ID_CACHE_KEY)  # a new shared folder for each test
    return settings


def test_it_reports_every_service_ok_and_exits_0(all_up: Any, client: Any) -> None:
    code, output = _run()

    assert code == 0
    statuses = {line.split()[1]: line.split()[0] for line in output.splitlines()}
    assert statuses == dict.fromkeys(("database", "broker", "cache", "disk", "storage", "ffmpeg", "search"), "OK")
    response = client.get("/ready/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "cache", "disk", "storage", "ffmpeg", "search"}
    assert "数据库" in body["checks"]["database"]["message"]
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("failing, setup, words", [
    ("broker", lambda s: setattr(s, "CELERY_BROKER_URL", f"redis://127.0.0.1:{_closed_port()}/0"), "任务队列"),
    ("cache", lambda s: setattr(s, "CACHE_URL", f"redis://127.0.0.1:{_closed_port()}/1"), "缓存服务器无响应"),
    ("search", lambda s: setattr(s, "ELASTICSEARCH_URL", f"http://127.0.0.1:{_closed_port()}"), "Elasticsearch"),
    ("ffmpeg", lambda s: setattr(s, "FFMPEG_BINARY", "/nonexistent/ffmpeg"), "ffmpeg"),
    ("disk", lambda s: setattr(s, "READY_MIN_FREE_DISK_MB", 10 ** 12), "可用空间仅剩"),
    ("broker", lambda s: setattr(s, "CELERY_BROKER_TRANSPORT_OPTIONS", {"data_folder_in": "/nonexistent/q"}), "任务队列"),
])
def test_it_names_the_failing_service_exits_1_and_ready_answers_503(
    all_up: Any, client: Any, failing: str, setup: Any, words: str
) -> None:
    setup(all_up)

    code, output = _run()

    assert code == 1
    assert failing in output.splitlines()[-1]  # "不可用：broker"
    response = client.get("/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"][failing]["status"] == "error"
    assert words in body["checks"][failing]["message"]
    assert [name for name, check in body["checks"].items() if check["status"] == "error"] == [failing]
    assert client.get("/health/").status_code == 200  # liveness does not depend on the other services


def test_it_reports_a_database_that_does_not_answer(all_up: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    class Down:
        vendor = "postgresql"

        def cursor(self) -> Any:
            raise OperationalError("connection refused")

    monkeypatch.setattr("school.readiness.connection", Down())

    code, output = _run()

    assert code == 1
    assert "database" in output.splitlines()[-1]
    assert "数据库" in output


def test_it_reports_a_machine_whose_upload_folder_is_not_the_shared_one(all_up: Any, tmp_path: Any) -> None:
    assert _run()[0] == 0  # this machine registered the shared folder's identity
    all_up.MEDIA_ROOT = str(tmp_path / "local-disk-of-another-machine")

    code, output = _run()

    assert code == 1 and "MEDIA_ROOT" in output and "共用" in output


def test_it_reports_an_upload_folder_that_refuses_renames(all_up: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_rename(src: Any, dst: Any) -> None:
        raise PermissionError("rename refused by the mount")

    monkeypatch.setattr("school.readiness.os.replace", no_rename)

    code, output = _run()

    assert code == 1 and "无法写入并重命名" in output
