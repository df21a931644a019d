"""Exams benchmark (generates its own banks; run: .venv/bin/python bench/exams.py).

metric paper_time_growth          draw of a 100-question paper from a 200,000-question bank ÷ from 2,000 (goal ≤ 2)
metric attempt_start_storm_p99_ms 1,000 concurrent POST /api/v1/exams/<id>/start/ against gunicorn on 127.0.0.1
                                  (500 members × 2 simultaneous starts, 16 client threads, warm server; goal < 2000)
metric duplicate_attempts         attempts beyond the first per member after the storm (goal 0)
metric certificates_per_s         certificate PDFs rendered per second (goal ≥ 100)
metric certificate_kb             mean PDF size in KB (goal ≤ 60)

Options through the environment: BENCH_BIG (default 200000), BENCH_STORM (1000), BENCH_WORKERS (4 gunicorn
workers), BENCH_CLIENTS (16).
"""

from __future__ import annotations

import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import ROOT, best_of, login_cookie, metric, setup

BIG = int(os.environ.get("BENCH_BIG", "200000"))
STORM = int(os.environ.get("BENCH_STORM", "1000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))


def make_bank(name: str, size: int, owner: Any) -> Any:
    from django.db import connection, transaction

    from exams.models import Question, QuestionBank, QuestionVersion
    from exams.models.banks import content_hash

    bank = QuestionBank.objects.create(name=name, owner=owner)
    rng = random.Random(size)
    types = ["single"] * 70 + ["multiple"] * 15 + ["judge"] * 15
    with transaction.atomic():
        for start in range(0, size, 5000):
            questions = []
            for i in range(start, min(size, start + 5000)):
                qtype = types[i % 100]
                options = ["正确", "错误"] if qtype == "judge" else [f"选项{k}-{i}" for k in "甲乙丙丁"]
                answer = [0, 2] if qtype == "multiple" else [rng.randrange(len(options))]
                stem = f"{name} 第{i}题：关于党的建设的表述，正确的是（ ）。"
                questions.append(Question(bank=bank, qtype=qtype, stem=stem, options=options, answer=answer,
                                          difficulty=1 + i % 5, content_hash=content_hash(qtype, stem, options, answer),
                                          random_key=rng.random()))
            created = Question.objects.bulk_create(questions, batch_size=1000)
            QuestionVersion.objects.bulk_create([
                QuestionVersion(question=q, number=1, qtype=q.qtype, stem=q.stem, options=q.options, answer=q.answer,
                                difficulty=q.difficulty, content_hash=q.content_hash) for q in created
            ], batch_size=1000)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE exams_question SET current_version_id = (SELECT v.id FROM exams_questionversion v "
                "WHERE v.question_id = exams_question.id) WHERE bank_id = %s", [bank.pk])
    return bank


def make_exam(bank: Any, owner: Any, title: str, attempts_allowed: int = 1) -> Any:
    from exams.models import Exam, ExamSection
    from exams.services import publish_exam

    exam = Exam.objects.create(title=title, created_by=owner, pass_mark=Decimal(60), attempts_allowed=attempts_allowed,
                               time_limit_minutes=60)
    for order, (qtype, count, points) in enumerate([("single", 60, 1), ("multiple", 20, 1), ("judge", 20, 1)]):
        section = ExamSection.objects.create(exam=exam, order=order, qtype=qtype, count=count, points=Decimal(points))
        section.banks.add(bank)
        section.save()
    return publish_exam(exam)


def paper_growth(owner: Any) -> Any:
    from exams.services import draw_paper

    small = make_bank("bench-2k", 2000, owner)
    t0 = time.perf_counter()
    big = make_bank("bench-big", BIG, owner)
    print(f"# generated {BIG} questions in {time.perf_counter() - t0:.1f}s", flush=True)
    exam_small = make_exam(small, owner, "small")
    exam_big = make_exam(big, owner, "big")
    seeds = iter(range(10**6))
    draw_paper(exam_small, 1)
    draw_paper(exam_big, 1)
    t_small = best_of(15, lambda: draw_paper(exam_small, next(seeds)))
    t_big = best_of(15, lambda: draw_paper(exam_big, next(seeds)))
    print(f"# draw 100 questions: {t_small * 1000:.1f} ms from 2,000; {t_big * 1000:.1f} ms from {BIG:,}", flush=True)
    metric("paper_time_growth", t_big / t_small)
    return exam_small


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def storm(owner: Any, bank_exam: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db.models import Count

    from exams.models import Attempt
    from school.models import Member
    from school.services import create_organization

    members_n = STORM // 2
    org = create_organization(parent=None, name="压测党委", code="BENCH", kind="committee")
    User = get_user_model()
    pw = make_password("bench-pass-1")
    users = User.objects.bulk_create([User(username=f"bench{i}", password=pw) for i in range(members_n)])
    Member.objects.bulk_create([Member(user=u, name=f"党员{i}", organization=org) for i, u in enumerate(users)])
    exam = make_exam(bank_exam.sections.first().banks.first(), owner, "storm")
    cookies = [login_cookie(user) for user in users]
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "school.settings.dev", "DEBUG": "0"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "school.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", "120", "--preload"], cwd=ROOT, env=env, start_new_session=True)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        # A server is warm before a storm: every worker serves a few requests first.
        for _ in range(WORKERS * 4):
            for _attempt in range(300):
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                    conn.request("GET", "/api/v1/exams/", headers={"Cookie": cookies[0][0], "Host": "127.0.0.1"})
                    conn.getresponse().read()
                    conn.close()
                    break
                except OSError:
                    time.sleep(0.2)
        jobs = [cookies[i % members_n] for i in range(members_n * 2)]
        random.Random(7).shuffle(jobs)
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        barrier = threading.Barrier(CLIENTS)

        def client(chunk: list[tuple[str, str]]) -> None:
            barrier.wait()
            for cookie, csrf in chunk:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                start = time.perf_counter()
                conn.request("POST", f"/api/v1/exams/{exam.pk}/start/", body=b"",
                             headers={"Cookie": cookie, "X-CSRFToken": csrf, "Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                elapsed = time.perf_counter() - start
                conn.close()
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                    slow.append((elapsed, response.status, start - t0))

        threads = [threading.Thread(target=client, args=(jobs[i::CLIENTS],)) for i in range(CLIENTS)]
        slow: list[tuple[float, int, float]] = []
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    latencies.sort()
    if os.environ.get("BENCH_VERBOSE"):
        for elapsed, status, started in sorted(slow, reverse=True)[:12]:
            print(f"# slow: {elapsed * 1000:.0f} ms, status {status}, sent at {started:.1f}s", flush=True)
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    print(f"# storm: {len(latencies)} requests in {wall:.1f}s, statuses {statuses}, "
          f"median {statistics.median(latencies) * 1000:.0f} ms", flush=True)
    per_member = Attempt.objects.filter(exam=exam).values("member").annotate(n=Count("id"))
    duplicates = sum(row["n"] - 1 for row in per_member)
    metric("attempt_start_storm_p99_ms", p99 * 1000)
    metric("duplicate_attempts", duplicates)


def certificates(owner: Any) -> None:
    from django.utils import timezone

    from exams.models import Certificate
    from exams.services.pdf import certificate_font, render_certificate

    font = certificate_font()
    samples = [
        Certificate(serial=f"2026000{i:09d}", code=f"CODE{i:08d}", member_name=name, organization_name="中共示范区委员会机关第一党支部",
                    exam_title="2026年度党员应知应会测试", score=Decimal("92.5"), issued_at=timezone.now())
        for i, name in enumerate(["张伟", "欧阳娜娜", "<b>&amp; 名字" * 3, "阿卜杜热合曼·买买提" * 4])
    ]
    render_certificate(samples[0], "http://127.0.0.1:8000/")
    n = 400
    sizes: list[int] = []
    t0 = time.perf_counter()
    for i in range(n):
        sizes.append(len(render_certificate(samples[i % len(samples)], "http://127.0.0.1:8000/")))
    elapsed = time.perf_counter() - t0
    print(f"# certificates: font {font}, {n} in {elapsed:.2f}s", flush=True)
    metric("certificates_per_s", n / elapsed)
    metric("certificate_kb", statistics.mean(sizes) / 1024)
    # For comparison: the documented fallback (built-in CID font, nothing embedded).
    from django.conf import settings

    from exams.services import pdf

    pdf.certificate_font.cache_clear()
    saved, pdf.FONT_CANDIDATES = pdf.FONT_CANDIDATES, []
    settings.EXAMS_CERTIFICATE_FONT = ""
    try:
        render_certificate(samples[0], "http://127.0.0.1:8000/")
        t0 = time.perf_counter()
        fallback = [len(render_certificate(samples[i % len(samples)], "http://127.0.0.1:8000/")) for i in range(n)]
        elapsed = time.perf_counter() - t0
        print(f"# fallback font {pdf.certificate_font()}: {n / elapsed:.0f} certificates/s, "
              f"{statistics.mean(fallback) / 1024:.1f} KB", flush=True)
    finally:
        pdf.FONT_CANDIDATES = saved
        pdf.certificate_font.cache_clear()


def main() -> None:
    setup()
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.create(username="bench-trainer", is_superuser=True)
    small_exam = paper_growth(owner)
    storm(owner, small_exam)
    certificates(owner)


if __name__ == "__main__":
    main()
