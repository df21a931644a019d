"""Exam peak (run: .venv/bin/python bench/exam_peak.py [--members 2000] [--clients 16] [--check]).

Generated members (an organization tree of 45 organizations) take one published 12-question exam at the
same time against gunicorn on 127.0.0.1 (--workers, --preload), through the JSON API the exam page uses:
start, fetch the paper, autosave every answer (a fifth of them change one answer later), submit; a few
try one more save after their submit (deliberately: it must be refused with 409 and change nothing).
The work goes in waves, as in an exam hall: everybody starts, then answers question 1, 2, …, then
everybody submits; --clients threads send it, each member's requests in order, one at a time.

metric lost_answers        answers acknowledged with a 2xx but missing, different or ungraded in the database
                           after the submit, plus saves after the submit that changed a paper (goal 0)
metric misgraded           stored answers whose points/correctness differ from grading them again, or
                           whose attempt's score is not their sum (goal 0)
metric lost_submits        submits acknowledged but the attempt still open (goal 0)
metric errors              non-2xx answers and failed requests, except the deliberate late saves (goal 0)
metric submit_p99_ms       99th percentile of POST …/submit/ (grading, statistics, certificate) in the storm
metric save_p99_ms         99th percentile of PUT …/answers/ (autosave)
metric noop_p99_ms         99th percentile of POST /api/v1/ping/ (session, CSRF, no work) from the same
                           clients against the same server, before the exam
metric submit_p99_vs_noop  submit_p99_ms ÷ noop_p99_ms
metric members_per_min     members who took the whole exam per minute of wall time

SQLite in a temporary directory by default; PostgreSQL when DATABASE_URL is set (give it a scratch
database: the run adds its own rows there, tagged, and leaves them). Members log in through pre-made
sessions (hashing 2,000 passwords would dominate a 2-core run and is not what is measured).
--check exits 1 when lost_answers, misgraded, lost_submits or errors is not 0.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import resource
import shutil
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import metric, setup
from _gunicorn import Reply, gunicorn, percentile, request

CHANGE_SHARE = 0.2  # members who change one answer after answering all
LATE_SHARE = 0.02  # members whose page sends one more autosave after the submit
FILL_WORDS = ["为人民服务", "全心全意为人民服务", "实事求是", "群众路线", "  独立 自主 "]


@dataclass
class Member:
    index: int
    cookie: str
    csrf: str
    rng: random.Random
    attempt: int | None = None
    seed: str = ""
    questions: list[dict[str, Any]] = field(default_factory=list)
    step: int = 0  # the next of this member's tasks allowed to run
    failed: bool = False
    cond: threading.Condition = field(default_factory=threading.Condition)


@dataclass
class Run:
    port: int
    exam_id: int
    deadline: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    acked: dict[tuple[int, int], Any] = field(default_factory=dict)
    after_submit: dict[tuple[int, int], Any] = field(default_factory=dict)
    submitted: set[int] = field(default_factory=set)
    completed: int = 0

    def call(self, member: Member, kind: str, method: str, path: str, payload: Any = None,
             expect: tuple[int, ...] = (200, 201)) -> Reply | None:
        if time.monotonic() > self.deadline:
            self.record_error(kind, f"not sent: the run's time limit passed ({path})")
            return None
        body = b"" if payload is None else json.dumps(payload).encode()
        reply = request(self.port, method, path, {"Cookie": member.cookie, "X-CSRFToken": member.csrf,
                                                  "Content-Type": "application/json"}, body)
        with self.lock:
            self.latencies.setdefault(kind, []).append(reply.seconds)
            self.statuses[(kind, reply.status)] += 1
        if reply.status not in expect:
            self.record_error(kind, f"{method} {path} → {reply.status or reply.error} {reply.body[:200]!r}")
            return None
        return reply

    def record_error(self, kind: str, text: str) -> None:
        with self.lock:
            self.errors.append(f"{kind}: {text}")


def response_for(question: dict[str, Any], rng: random.Random) -> Any:
    keys = [o["key"] for o in question["options"]]
    if question["type"] == "fill":
        return [rng.choice(FILL_WORDS) for _ in range(question["blanks"])]
    if question["type"] == "multiple":
        return sorted(rng.sample(keys, rng.randint(1, len(keys))))
    return rng.choice(keys)


def start(run: Run, member: Member) -> None:
    reply = run.call(member, "start", "POST", f"/api/v1/exams/{run.exam_id}/start/")
    if reply is None:
        member.failed = True
        return
    state = json.loads(reply.body)
    member.attempt, member.seed = state["id"], state["seed"]
    paper = run.call(member, "paper", "GET", state["paper_url"], expect=(200,))
    if paper is None:
        member.failed = True
        return
    member.questions = json.loads(paper.body)["questions"]


def save(run: Run, member: Member, number: int, late: bool = False) -> None:
    question, attempt = member.questions[number], member.attempt
    assert attempt is not None
    response = response_for(question, member.rng)
    path = f"/api/v1/exams/attempts/{attempt}/answers/"
    payload = {"question": question["id"], "response": response, "seed": member.seed}
    if late:
        run.call(member, "late_save", "PUT", path, payload, expect=(409,))
        with run.lock:
            run.after_submit[(attempt, question["id"])] = response
        return
    reply = run.call(member, "save", "PUT", path, payload, expect=(200,))
    if reply is not None:
        with run.lock:
            run.acked[(attempt, question["id"])] = json.loads(reply.body)["response"]


def submit(run: Run, member: Member) -> None:
    reply = run.call(member, "submit", "POST", f"/api/v1/exams/attempts/{member.attempt}/submit/",
                     {"seed": member.seed}, expect=(200,))
    if reply is not None and member.attempt is not None:
        with run.lock:
            run.submitted.add(member.attempt)
            run.completed += 1


def plan(members: list[Member], questions: int) -> list[tuple[Member, int, Any]]:
    """(member, step, action) in waves; a member's steps are numbered in the order they must run."""
    order = random.Random(11)
    waves: list[list[tuple[Member, Any]]] = [[(m, start) for m in members]]
    for number in range(questions):
        waves.append([(m, lambda r, m, n=number: save(r, m, n)) for m in members])
    waves.append([(m, lambda r, m: save(r, m, m.rng.randrange(len(m.questions))))
                  for m in members if m.rng.random() < CHANGE_SHARE])
    waves.append([(m, submit) for m in members])
    waves.append([(m, lambda r, m: save(r, m, 0, late=True)) for m in members if m.rng.random() < LATE_SHARE])
    tasks: list[tuple[Member, int, Any]] = []
    steps: Counter[int] = Counter()
    for wave in waves:
        order.shuffle(wave)
        for member, action in wave:
            tasks.append((member, steps[member.index], action))
            steps[member.index] += 1
    return tasks


def drive(run: Run, tasks: list[tuple[Member, int, Any]], clients: int) -> float:
    work: queue.Queue[tuple[Member, int, Any]] = queue.Queue()
    for task in tasks:
        work.put(task)

    def client() -> None:
        while True:
            try:
                member, step, action = work.get_nowait()
            except queue.Empty:
                return
            with member.cond:
                member.cond.wait_for(lambda member=member, step=step: member.step == step)  # type: ignore[misc]
            try:
                if not member.failed:
                    action(run, member)
            except Exception as exc:  # a bug in the bench or an unexpected body: counted, the run goes on
                member.failed = True
                run.record_error("client", f"{type(exc).__name__}: {exc}")
            finally:
                with member.cond:
                    member.step += 1
                    member.cond.notify_all()

    done = threading.Event()

    def progress() -> None:  # CI logs show the run advancing
        while not done.wait(30):
            print(f"# progress: {sum(run.statuses.values())} requests, {run.completed} submitted, "
                  f"{len(run.errors)} errors, {time.perf_counter() - t0:.0f}s", flush=True)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    t0 = time.perf_counter()
    threading.Thread(target=progress, daemon=True).start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    return time.perf_counter() - t0


def noop_baseline(port: int, members: list[Member], clients: int, count: int) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    picks = [members[i % len(members)] for i in range(count)]

    def client(chunk: list[Member]) -> None:
        for member in chunk:
            reply = request(port, "POST", "/api/v1/ping/", {"Cookie": member.cookie, "X-CSRFToken": member.csrf})
            with lock:
                latencies.append(reply.seconds if reply.status == 200 else float("inf"))

    threads = [threading.Thread(target=client, args=(picks[i::clients],)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--time-limit", type=float, default=900, help="seconds; requests not sent by then are errors")
    parser.add_argument("--check", action="store_true", help="exit 1 unless nothing was lost and nothing failed")
    args = parser.parse_args()
    temporary = not os.environ.get("BENCH_VAR_DIR")
    var = setup()
    try:
        return bench(args)
    finally:
        if temporary:  # the SQLite database, the broker's and the write lock's files
            shutil.rmtree(var, ignore_errors=True)


def bench(args: argparse.Namespace) -> int:
    from _exam_peak_world import SECTIONS, build, verify
    from django.db import connection

    world = build(args.members)
    members = [Member(i, cookie, csrf, random.Random(i)) for i, (cookie, csrf) in enumerate(world.sessions)]
    connection.close()  # SQLite: no open handle in this process while the server writes
    questions = sum(count for _t, count, _p in SECTIONS)
    with gunicorn(args.workers) as port:
        for member in members[: args.workers * 4]:  # every worker serves a few requests before the storm
            request(port, "GET", "/api/v1/exams/", {"Cookie": member.cookie})
        noop = noop_baseline(port, members, args.clients, min(len(members), 2000))
        run = Run(port, world.exam_id, time.monotonic() + args.time_limit)
        tasks = plan(members, questions)
        wall = drive(run, tasks, args.clients)
    server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_cpu = resource.getrusage(resource.RUSAGE_SELF)
    print(f"# cpu: gunicorn {server_cpu.ru_utime + server_cpu.ru_stime:.0f}s, bench process "
          f"{own_cpu.ru_utime + own_cpu.ru_stime:.0f}s (data, clients, checks)", flush=True)
    verdict = verify(run.acked, run.submitted, {m.attempt for m in members if m.attempt}, run.after_submit)
    statuses = dict(sorted((f"{k} {s}", n) for (k, s), n in run.statuses.items()))
    print(f"# {len(tasks)} member steps, {sum(run.statuses.values())} requests in {wall:.1f}s "
          f"({args.clients} clients, {args.workers} workers, {connection.vendor}); statuses {statuses}", flush=True)
    for line in run.errors[:10] + verdict.details:
        print(f"# {line}", flush=True)
    submit_p99 = percentile(run.latencies.get("submit", []), 0.99) * 1000
    noop_p99 = percentile(noop, 0.99) * 1000
    metric("members", len(members))
    metric("lost_answers", verdict.lost_answers)
    metric("misgraded", verdict.misgraded)
    metric("lost_submits", verdict.lost_submits)
    metric("errors", len(run.errors))
    metric("submit_p99_ms", submit_p99)
    metric("save_p99_ms", percentile(run.latencies.get("save", []), 0.99) * 1000)
    metric("start_p99_ms", percentile(run.latencies.get("start", []), 0.99) * 1000)
    metric("noop_p99_ms", noop_p99)
    metric("submit_p99_vs_noop", submit_p99 / noop_p99)
    metric("members_per_min", run.completed / wall * 60)
    failed = verdict.lost_answers or verdict.misgraded or verdict.lost_submits or run.errors
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
