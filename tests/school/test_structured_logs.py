"""LOG_FORMAT=json: one JSON line per record, each request ending with a line carrying its request id,
the user's id (never a name or an ID number), the status and the duration; Celery tasks log their id
and outcome the same way."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from school.celery import app
from school.logs import ContextFilter, JsonFormatter

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _json_lines(records: list[logging.LogRecord]) -> list[dict[str, Any]]:
    context, formatter = ContextFilter(), JsonFormatter()
    lines = []
    for record in records:
        context.filter(record)
        lines.append(json.loads(formatter.format(record)))
    return lines


@app.task(name="tests.structured_logs.boom")
def boom(n: int) -> None:
    logging.getLogger("school.tests").warning("about to fail on %s", n)
    raise ValueError("boom")


@app.task(name="tests.structured_logs.fine")
def fine(n: int) -> int:
    return n + 1


def test_it_logs_each_request_with_its_id_the_user_id_status_and_duration(personas: Any, client: Any,
                                                                          caplog: Any) -> None:
    client.force_login(personas.member.user)
    with caplog.at_level(logging.INFO, logger="school.requests"):
        response = client.get("/", HTTP_X_REQUEST_ID="nginx-req-0123456789")
        missing = client.get("/no-such-page-here/")

    lines = [line for line in _json_lines(caplog.records) if line["logger"] == "school.requests"]
    home = next(line for line in lines if line["path"] == "/")
    assert response["X-Request-ID"] == "nginx-req-0123456789" == home["request_id"]
    assert home["user_id"] == personas.member.user.pk
    assert home["status"] == 200 and home["method"] == "GET"
    assert isinstance(home["duration_ms"], float)
    other = next(line for line in lines if line["path"] == "/no-such-page-here/")
    assert other["status"] == 404
    assert other["request_id"] == missing["X-Request-ID"] != home["request_id"]
    text = json.dumps(lines, ensure_ascii=False)
    assert "小明" not in text and "xiaoming" not in text and personas.member.id_number not in text


def test_it_makes_a_request_id_when_the_header_is_missing_or_unsafe(client: Any) -> None:
    made = client.get("/health/")["X-Request-ID"]
    unsafe = client.get("/health/", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]

    assert len(made) == 32 and made.isalnum()
    assert "\n" not in unsafe and unsafe != made


def test_it_logs_every_line_of_a_task_with_its_id_and_the_outcome(caplog: Any) -> None:
    with caplog.at_level(logging.INFO), caplog.at_level(logging.INFO, logger="school.tasks"):
        fine.apply(args=(1,), task_id="task-ok-0001")
        boom.apply(args=(2,), task_id="task-fail-0002")

    lines = _json_lines(caplog.records)
    outcomes = {line["task_id"]: line for line in lines if line["logger"] == "school.tasks"}
    assert outcomes["task-ok-0001"]["outcome"] == "success"
    assert outcomes["task-ok-0001"]["task"] == "tests.structured_logs.fine"
    assert outcomes["task-fail-0002"]["outcome"] == "failure"
    assert outcomes["task-fail-0002"]["level"] == "WARNING"
    inside = next(line for line in lines if line["message"] == "about to fail on 2")
    assert inside["task_id"] == "task-fail-0002"


def test_it_writes_json_lines_to_stderr_when_log_format_is_json(tmp_path: Path) -> None:
    code = ("import django, logging; django.setup(); "
            "logging.getLogger('school.anything').warning('disk at %s%%', 91)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "school.settings.test", "LOG_FORMAT": "json"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60, check=True)

    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert line["message"] == "disk at 91%"
    assert line["level"] == "WARNING" and line["logger"] == "school.anything"


def test_it_refuses_an_unknown_log_format() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "school.settings.test", "LOG_FORMAT": "xml"}
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)

    assert done.returncode != 0
    assert "LOG_FORMAT='xml'" in done.stderr
