"""The database connection lost in the middle of a state-changing request (an exam submit, which
grades, closes the attempt and updates statistics in one transaction): a clear 503 — JSON
``{"detail", "code": "database_unavailable"}`` under /api/, a page in Chinese elsewhere — nothing of
the interrupted transaction is written, and the next request works (Django connects again).

On PostgreSQL the request's own backend is terminated with ``pg_terminate_backend`` from another
connection while a real server (live_server) is in the middle of the submit. The same failure as
SQLite can see it — the driver raising ``OperationalError`` after the transaction's first writes —
runs on every database."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import pytest
from django.db import OperationalError, connection
from django.test import Client

from exams.models import Answer, Attempt, Certificate, ExamOrgStat, ExamStat, QuestionVersion
from exams.services import do_save_answer, do_start_attempt, stats
from exams.services.grading import to_displayed
from tests.exams.builders import fill_bank, make_bank, make_exam
from tests.factories import Personas
from tests.faults.http import Browser

LOST = "数据库连接中断"


def open_attempt(personas: Personas) -> Attempt:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank, [{"qtype": "single", "count": 5, "points": Decimal(20)}],
                     pass_mark=Decimal(60), certificate_on_pass=True)
    attempt, _created = do_start_attempt(personas.member, exam)
    for item in attempt.paper:
        version = QuestionVersion.objects.get(pk=item["v"])
        do_save_answer(attempt, version.pk, to_displayed(version.answer, item["p"])[0])
    return attempt


def assert_nothing_written(attempt: Attempt) -> None:
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.score is None and attempt.passed is None
    assert not ExamStat.objects.exists() and not ExamOrgStat.objects.exists()
    assert not Certificate.objects.exists()
    assert not Answer.objects.filter(attempt=attempt, points__isnull=False).exists()


def assert_graded_once(attempt: Attempt) -> None:
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.passed is True
    assert ExamStat.objects.get(exam=attempt.exam).submitted == 1
    assert Certificate.objects.filter(attempt=attempt).count() == 1


@pytest.fixture
def fail_once(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first submit loses its database connection when it reaches the statistics, after grading
    has updated the attempt and its answers in the same transaction."""
    calls: list[str] = []
    real = stats.record_attempt

    def lose_connection(attempt: Attempt, correctness: dict[int, bool]) -> None:
        calls.append("lost")
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        real(attempt, correctness)

    monkeypatch.setattr(stats, "record_attempt", lose_connection)
    return calls


@pytest.mark.django_db
def test_it_answers_503_json_and_writes_nothing_when_the_connection_is_lost_during_an_api_submit(
        personas: Personas, fail_once: list[str]) -> None:
    attempt = open_attempt(personas)
    client = Client(raise_request_exception=False)
    client.force_login(personas.member.user)
    response = client.post(f"/api/v1/exams/attempts/{attempt.pk}/submit/", {}, content_type="application/json")
    assert response.status_code == 503 and response["Retry-After"]
    body = response.json()
    assert body["code"] == "database_unavailable" and LOST in body["detail"]
    assert_nothing_written(attempt)
    again = client.post(f"/api/v1/exams/attempts/{attempt.pk}/submit/", {}, content_type="application/json")
    assert again.status_code == 200 and again.json()["passed"] is True
    assert_graded_once(attempt)


@pytest.mark.django_db
def test_it_shows_a_chinese_503_page_and_writes_nothing_when_the_connection_is_lost_during_a_page_submit(
        personas: Personas, fail_once: list[str]) -> None:
    attempt = open_attempt(personas)
    client = Client(raise_request_exception=False)
    client.force_login(personas.member.user)
    response = client.post(f"/exams/attempts/{attempt.pk}/submit/", {"confirmed": "1"})  # after 交卷 was confirmed
    assert response.status_code == 503 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "服务暂时不可用" in page and LOST in page and "Traceback" not in page
    assert_nothing_written(attempt)
    again = client.post(f"/exams/attempts/{attempt.pk}/submit/", {"confirmed": "1"})
    assert again.status_code == 302 and again["Location"].endswith(f"/exams/attempts/{attempt.pk}/result/")
    assert_graded_once(attempt)


@pytest.mark.django_db
def test_it_keeps_other_server_errors_a_500_with_json_under_the_api(personas: Personas,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    attempt = open_attempt(personas)

    def broken(attempt: Attempt, correctness: dict[int, bool]) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(stats, "record_attempt", broken)
    client = Client(raise_request_exception=False)
    client.force_login(personas.member.user)
    response = client.post(f"/api/v1/exams/attempts/{attempt.pk}/submit/", {}, content_type="application/json")
    assert response.status_code == 500 and response.json()["code"] == "server_error"
    assert_nothing_written(attempt)


def terminate_own_backend() -> None:
    """From another connection, end the PostgreSQL backend serving this thread's connection."""
    import psycopg

    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                         password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
        deadline = time.monotonic() + 10
        while other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_it_survives_pg_terminate_backend_in_the_middle_of_a_submit(personas: Personas, live_server: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: pg_terminate_backend ends the server's connection from outside; SQLite "
                    "has no server (the driver-error equivalent above runs on every database)")
    attempt = open_attempt(personas)
    real = stats.record_attempt
    terminated: list[int] = []

    def terminated_midway(attempt: Attempt, correctness: dict[int, bool]) -> None:
        if not terminated:
            terminated.append(connection.connection.info.backend_pid)
            terminate_own_backend()  # the attempt row is already updated in this transaction
        real(attempt, correctness)

    monkeypatch.setattr(stats, "record_attempt", terminated_midway)
    browser = Browser(urlparse(live_server.url).port or 80, personas.member.user)
    response = browser.post(f"/api/v1/exams/attempts/{attempt.pk}/submit/", {})
    assert terminated and response.status == 503, response.text[-1000:]
    assert response.json()["code"] == "database_unavailable" and LOST in response.json()["detail"]
    assert_nothing_written(attempt)

    page = browser.get(f"/exams/attempts/{attempt.pk}/")  # the next request connects again
    assert page.status == 200
    again = browser.post(f"/api/v1/exams/attempts/{attempt.pk}/submit/", {})
    assert again.status == 200 and again.json()["passed"] is True
    assert_graded_once(attempt)
