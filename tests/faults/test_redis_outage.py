"""Redis (broker and cache) stopped while members watch lessons and answer an exam, against a real
gunicorn and a real Celery worker with beat: pages keep answering, heartbeats and answers are stored
(they are written to the database directly), the credit tasks the broker could not take wait in the
task outbox, and once Redis is back the outbox flush delivers them and every credit is awarded once."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import redis
from django.utils import timezone

from courses.models import StudyProgress
from exams.models import Answer, Attempt, QuestionVersion
from exams.services.grading import to_displayed
from school.credits.models import CreditEntry, MemberCredit
from school.credits.rules import ensure_default_rules
from school.models import OutboxTask
from tests.courses.builders import make_course, make_video_lesson
from tests.exams.builders import fill_bank, make_bank, make_exam
from tests.factories import PASSWORD, Personas
from tests.faults.http import Browser
from tests.faults.processes import kill, start_web, start_worker, stop, wait_for

pytestmark = [pytest.mark.heavy, pytest.mark.worker, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("wagtail_site")]  # an earlier transactional test flushed the root page


def correct(attempt: Attempt, item: dict[str, Any]) -> Any:
    version = QuestionVersion.objects.get(pk=item["v"])
    letters = to_displayed(version.answer, item["p"])
    return letters if version.qtype == "multiple" else letters[0]


def watch(browser: Browser, lesson_id: int, session: str, seq: int, start: float) -> dict[str, Any]:
    time.sleep(0.05)  # real time passes: the span is within what the playback rate allows
    reply = browser.post(f"/api/v1/progress/{lesson_id}/heartbeat/",
                         {"session": session, "seq": seq, "start": start, "position": start + 2})
    assert reply.status == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


def test_it_keeps_pages_heartbeats_and_answers_working_and_awards_credits_once_redis_is_back(
        personas: Personas, tmp_path: Path, redis_server: Any) -> None:
    ensure_default_rules(dt.date(2026, 1, 1))
    course = make_course("党史专题", credit_hours=2)
    lesson = make_video_lesson(course, "第一课 视频", duration=6.0, share=90)
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank, [{"qtype": "single", "count": 5, "points": Decimal(20)}],
                     pass_mark=Decimal(60))

    broker, cache = redis_server.url(0), redis_server.url(1)
    env = {"CELERY_BROKER_URL": broker, "CACHE_URL": cache, "CACHE_RETRY_SECONDS": "0.5",
           "COURSES_MAX_PLAYBACK_RATE": "100", "TASKS_OUTBOX_FLUSH_SECONDS": "1", "TASKS_OUTBOX_RETRY_SECONDS": "5"}
    web_log, worker_log = tmp_path / "gunicorn.log", tmp_path / "worker.log"
    worker = start_worker(broker, "default", worker_log, beat_schedule=tmp_path / "beat-schedule", env=env)
    web = None
    try:
        web, port = start_web(web_log, **env)
        xiaoming, xiaohong = Browser(port, personas.member.user), Browser(port, personas.member_a2.user)
        wait_for(lambda: "ready" in worker_log.read_text(), 60, "the worker to start", worker_log)

        # Redis up: both start the lesson and watch the first two seconds.
        sessions = {}
        for browser in (xiaoming, xiaohong):
            assert browser.get(lesson.url).status == 200
            sessions[browser] = browser.post(f"/api/v1/progress/{lesson.pk}/start/").json()["session"]
            watch(browser, lesson.pk, sessions[browser], 1, 0)

        redis_server.stop()

        # Redis down: pages, logins, heartbeats and exam answers keep working.
        for path in ("/", "/courses/", lesson.url, "/exams/", f"/exams/{exam.pk}/", "/me/"):
            assert xiaoming.get(path).status == 200, path
        newcomer = Browser(port)
        newcomer.get("/accounts/login/")
        login = newcomer.post("/accounts/login/", form={"username": "xiaogang", "password": PASSWORD})
        assert login.status == 302, login.text[-500:]
        assert newcomer.get("/").status == 200
        for browser in (xiaoming, xiaohong):
            watch(browser, lesson.pk, sessions[browser], 2, 2)
            assert watch(browser, lesson.pk, sessions[browser], 3, 4)["completed"] is True
        started = xiaoming.post(f"/api/v1/exams/{exam.pk}/start/")
        assert started.status == 201, started.text
        attempt = Attempt.objects.get(pk=started.json()["id"])
        assert xiaoming.get(f"/exams/attempts/{attempt.pk}/").status == 200
        for item in attempt.paper:
            saved = xiaoming.put(f"/api/v1/exams/attempts/{attempt.pk}/answers/",
                                 {"question": item["v"], "response": correct(attempt, item), "seed": str(attempt.seed)})
            assert saved.status == 200, saved.text
        result = xiaoming.post(f"/api/v1/exams/attempts/{attempt.pk}/submit/", {"seed": str(attempt.seed)})
        assert result.status == 200 and result.json()["passed"] is True, result.text

        # Nothing was lost: progress and answers are in the database; the awards wait in the outbox.
        for member in (personas.member, personas.member_a2):
            progress = StudyProgress.objects.get(member=member, page_id=lesson.pk)
            assert progress.completed_at is not None and progress.watched_seconds >= 5.4
        assert Answer.objects.filter(attempt=attempt).count() == 5
        waiting = list(OutboxTask.objects.order_by("id"))
        awards = [row for row in waiting if row.task == "school.credits.tasks.post_credit_task"]
        assert sorted((row.args[0], row.args[1]) for row in awards) == sorted([
            (personas.member.pk, "lesson"), (personas.member.pk, "course"), (personas.member.pk, "exam"),
            (personas.member_a2.pk, "lesson"), (personas.member_a2.pk, "course")])
        # Beside the awards: each completion and the graded attempt also refresh the member's statistics.
        assert {row.task for row in waiting} == {"school.credits.tasks.post_credit_task",
                                                 "school.credits.tasks.refresh_member_metrics_task"}
        assert all(row.reason for row in waiting)
        assert CreditEntry.objects.count() == 0

        redis_server.start()  # an empty Redis: what it held is gone; the outbox is in the database

        def delivered() -> bool:
            return CreditEntry.objects.count() == 5 and not OutboxTask.objects.exists()

        wait_for(delivered, 60, "the outbox flush to deliver the awards", worker_log, web_log)
        assert xiaoming.get(lesson.url).status == 200
        # The cache is used again: the access gate of the lesson is back in Redis.
        assert redis.Redis.from_url(cache).keys(f"*courses:gate:{lesson.pk}")

        # Sending them all again (a lost acknowledgement, two flushers) awards nothing more.
        runs = worker_log.read_text().count("post_credit_task[")
        OutboxTask.objects.bulk_create([OutboxTask(task=row.task, args=row.args, kwargs=row.kwargs, queue=row.queue,
                                                   next_attempt_at=timezone.now()) for row in awards])
        wait_for(lambda: not OutboxTask.objects.exists() and
                 worker_log.read_text().count("post_credit_task[") >= runs + 10,
                 30, "the duplicates to be delivered and run", worker_log)
    finally:
        stop(web)
        kill(worker)
    entries = sorted(CreditEntry.objects.values_list("member_id", "source_type", "source_id"))
    assert entries == sorted([
        (personas.member.pk, "lesson", lesson.pk), (personas.member.pk, "course", course.pk),
        (personas.member.pk, "exam", exam.pk), (personas.member_a2.pk, "lesson", lesson.pk),
        (personas.member_a2.pk, "course", course.pk)])
    totals = dict(MemberCredit.objects.filter(period="all").values_list("member_id", "points"))
    assert totals == {personas.member.pk: Decimal("15.00"), personas.member_a2.pk: Decimal("9.00")}
