"""答题PK under load: N concurrent 四人赛 (4 sockets each) against daphne on 127.0.0.1 with the Redis channel layer.

    .venv/bin/python bench/battles.py [--rooms 250] [--questions 5] [--seconds 10] [--redis redis://127.0.0.1:6379/12]

Builds 4×N members in one committee, matches them through ``do_enqueue`` into N 四人赛, makes their sessions,
starts daphne (``bench/_battles_asgi.py``: the site's WebSockets plus an echo consumer) and drives every player
from one asyncio process with the ``websockets`` client: each answers every question after a random reading
time, right or wrong at random. A handful of echo sockets ping the same server during the whole run.

metric lost_answers            acknowledged answers that are not in the database (goal 0)
metric misscored               answers or totals whose stored points differ from the rules recomputed here (goal 0)
metric reveal_latency_p99_ms   from a question's deadline to a client having its reveal (goal ≤ 150)
metric answer_ack_p99_vs_echo  answer acknowledgement p99 ÷ echo round trip p99, same server, same run (goal ≤ 3)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django import ROOT, login_cookie, metric, setup
from _gunicorn import free_port, wait_for_port


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def p99(values: list[float]) -> float:
    return quantile(values, 0.99)


@dataclass
class Player:
    battle_id: int
    member_id: int
    cookie: str
    keys: list[str]  # the right option letter of each question


@dataclass
class Tally:
    acked: dict[tuple[int, int, int], str] = field(default_factory=dict)  # (battle, member, index) -> choice
    ack_ms: list[float] = field(default_factory=list)
    reveal_ms: list[float] = field(default_factory=list)
    reveal_by_index: dict[int, list[float]] = field(default_factory=dict)
    ack_by_index: dict[int, list[float]] = field(default_factory=dict)
    echo_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    finished: int = 0


def build(rooms: int, questions: int, seconds: int) -> list[Player]:
    import secrets

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from exams.models import BankUse, BattleMode, Question, QuestionBank, QuestionVersion
    from exams.services.battles import do_enqueue, ensure_default_modes
    from school.models import Member, Organization

    tag = secrets.token_hex(3)
    t0 = time.perf_counter()
    committee = Organization.add_root(name=f"对战基准{tag}", code=f"B{tag}", kind="committee")
    branch = committee.add_child(name=f"对战支部{tag}", code=f"B{tag}1", kind="branch")
    User = get_user_model()
    owner = User.objects.create(username=f"battle-trainer-{tag}")
    bank = QuestionBank.objects.create(name=f"对战题库{tag}", owner=owner, use=BankUse.PRACTICE)
    for n in range(max(20, questions * 2)):
        Question(bank=bank, qtype="single", stem=f"对战题 {n}", options=["甲", "乙", "丙", "丁"],
                 answer=[n % 4], explanation=f"解析 {n}").save()
    ensure_default_modes()
    BattleMode.objects.filter(code="quad").update(question_count=questions, seconds_per_question=seconds)
    mode = BattleMode.objects.get(code="quad")
    mode.banks.set([bank])
    unusable = make_password(None)
    with transaction.atomic():
        users = User.objects.bulk_create([User(username=f"battle{tag}-{i}", password=unusable)
                                          for i in range(4 * rooms)], batch_size=1000)
        members = Member.objects.bulk_create([Member(user=u, name=f"选手{i}", organization=branch)
                                              for i, u in enumerate(users)], batch_size=1000)
    players: list[Player] = []
    keys_of: dict[int, list[str]] = {}
    cookies = {}
    with transaction.atomic():
        for user in users:
            cookies[user.pk] = login_cookie(user)[0]
    for member in members:
        member.organization = branch
        battle = do_enqueue(member, mode).battle
        if battle is None:
            continue
        versions = QuestionVersion.objects.in_bulk(battle.version_ids)
        keys_of[battle.pk] = ["ABCD"[versions[v].answer[0]] for v in battle.version_ids]
        for seat in battle.players.select_related("member"):
            assert seat.member is not None and seat.member_id is not None
            players.append(Player(battle.pk, seat.member_id, cookies[seat.member.user_id], keys_of[battle.pk]))
    print(f"# data: {len(members)} members, {len(keys_of)} 四人赛 of {questions} questions × {seconds} s, "
          f"sessions made, in {time.perf_counter() - t0:.1f}s", flush=True)
    return players


async def play(player: Player, base: str, tally: Tally, rng: random.Random, seconds: int,
               gate: asyncio.Semaphore) -> None:
    import websockets

    origin = base.replace("ws://", "http://")
    async with gate:  # members arrive over a few seconds, not all in one millisecond
        ws = await websockets.connect(f"{base}/ws/battles/{player.battle_id}/", origin=origin,  # type: ignore[arg-type]
                                      additional_headers={"Cookie": player.cookie}, max_size=2**20,
                                      open_timeout=60, ping_interval=None)
    async with ws:
        sent: dict[int, float] = {}
        pending: asyncio.Task[None] | None = None

        async def answer(index: int, delay: float) -> None:
            await asyncio.sleep(delay)
            right = rng.random() < 0.7
            choice = player.keys[index] if right else rng.choice([k for k in "ABCD" if k != player.keys[index]])
            sent[index] = time.perf_counter()
            tally.acked.setdefault((player.battle_id, player.member_id, index), "")  # placeholder until acked
            await ws.send(json.dumps({"type": "answer", "index": index, "choice": choice}))
            sent_choice[index] = choice

        sent_choice: dict[int, str] = {}
        scheduled: set[int] = set()
        async for raw in ws:
            frame = json.loads(raw)
            kind = frame["type"]
            question = frame if kind == "question" else frame.get("question") if kind == "state" else None
            if question is not None:
                player_deadlines[(player.battle_id, question["index"])] = question["deadline_ms"]
            if question is not None and question["index"] not in scheduled:
                scheduled.add(question["index"])
                pending = asyncio.create_task(answer(question["index"], rng.uniform(0.6, seconds * 0.8)))
            elif kind == "ack":
                index = frame["index"]
                tally.ack_ms.append((time.perf_counter() - sent[index]) * 1000)
                tally.ack_by_index.setdefault(index, []).append(tally.ack_ms[-1])
                tally.acked[(player.battle_id, player.member_id, index)] = sent_choice[index]
            elif kind == "reveal":
                tally.reveal_ms.append(time.time() * 1000 - frame_deadline(frame, player))
                tally.reveal_by_index.setdefault(frame["index"], []).append(tally.reveal_ms[-1])
            elif kind == "error":
                tally.errors.append(f"{frame.get('code')}: {frame.get('message')}")
            elif kind == "finished":
                tally.finished += 1
                break
        if pending is not None:
            pending.cancel()


player_deadlines: dict[tuple[int, int], float] = {}


def frame_deadline(frame: dict[str, Any], player: Player) -> float:
    return player_deadlines.get((player.battle_id, frame["index"]), time.time() * 1000)


async def echo(base: str, cookie: str, tally: Tally, stop: asyncio.Event) -> None:
    import websockets

    async with websockets.connect(f"{base}/ws/bench/echo/", origin=base.replace("ws://", "http://"),  # type: ignore[arg-type]
                                  additional_headers={"Cookie": cookie}, ping_interval=None) as ws:
        while not stop.is_set():
            start = time.perf_counter()
            await ws.send(json.dumps({"type": "answer", "index": 0, "choice": "A"}))
            await ws.recv()
            tally.echo_ms.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.25)


async def drive(players: list[Player], base: str, seconds: int, echoes: int) -> Tally:
    tally = Tally()
    rng = random.Random(7)
    stop = asyncio.Event()
    echo_tasks = [asyncio.create_task(echo(base, players[i % len(players)].cookie, tally, stop))
                  for i in range(echoes)]
    gate = asyncio.Semaphore(16)
    results = await asyncio.gather(*(play(p, base, tally, random.Random(rng.random()), seconds, gate)
                                     for p in players), return_exceptions=True)
    stop.set()
    await asyncio.gather(*echo_tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            tally.errors.append(repr(result)[:200])
    return tally


def verify(tally: Tally, players: list[Player]) -> tuple[int, int]:
    from exams.models import Battle, BattleAnswer, BattlePlayer

    battle_ids = sorted({p.battle_id for p in players})
    stored = {(a.battle_id, a.player.member_id, a.question_index): a
              for a in BattleAnswer.objects.filter(battle_id__in=battle_ids).select_related("player")}
    lost = sum(1 for key, choice in tally.acked.items() if choice and key not in stored)
    misscored = 0
    battles = Battle.objects.in_bulk(battle_ids)
    keys = {p.battle_id: p.keys for p in players}
    from django.conf import settings

    for (battle_id, _member, index), answer in stored.items():
        battle = battles[battle_id]
        correct = answer.response == keys[battle_id][index]
        window = battle.seconds_per_question * 1000
        fast = answer.elapsed_ms < settings.BATTLE_MIN_ANSWER_MS
        expected = round(battle.min_points + (battle.max_points - battle.min_points)
                         * max(0.0, 1 - answer.elapsed_ms / window)) if correct and not fast else 0
        if answer.points != expected or answer.is_correct != correct:
            misscored += 1
    for seat in BattlePlayer.objects.filter(battle_id__in=battle_ids, is_bot=False):
        total = sum(a.points for k, a in stored.items() if k[0] == seat.battle_id and k[1] == seat.member_id)
        if total != seat.score:
            misscored += 1
    return lost, misscored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, default=250)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--echoes", type=int, default=8)
    parser.add_argument("--redis", default=os.environ.get("CHANNEL_LAYER_URL", "redis://127.0.0.1:6379/12"))
    args = parser.parse_args()
    os.environ["CHANNEL_LAYER_URL"] = args.redis
    setup()
    players = build(args.rooms, args.questions, args.seconds)
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "school.settings.dev", "DEBUG": "0", "PYTHONPATH": str(ROOT),
           "BATTLE_REVEAL_SECONDS": "1", "BATTLE_FRAMES_PER_SECOND": "50"}
    server = subprocess.Popen([str(ROOT / ".venv/bin/daphne"), "-b", "127.0.0.1", "-p", str(port), "-v", "0", "--websocket_connect_timeout", "30",
                               "bench._battles_asgi:application"], cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for_port(server, port, "daphne")
        t0 = time.perf_counter()
        tally = asyncio.run(drive(players, f"ws://127.0.0.1:{port}", args.seconds, args.echoes))
        print(f"# played in {time.perf_counter() - t0:.1f}s: {len(players)} sockets, {tally.finished} finished, "
              f"{len(tally.errors)} errors {tally.errors[:3]}", flush=True)
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
    lost, misscored = verify(tally, players)
    for name, by_index in (("reveal", tally.reveal_by_index), ("ack", tally.ack_by_index)):
        print(f"# {name} p50/p99 ms by question: " + ", ".join(
            f"{i + 1}: {quantile(v, 0.5):.0f}/{p99(v):.0f}" for i, v in sorted(by_index.items())), flush=True)
    ack, echo_p99 = p99(tally.ack_ms), p99(tally.echo_ms)
    metric("sockets", len(players))
    metric("finished_sockets", tally.finished)
    metric("answers_acked", sum(1 for c in tally.acked.values() if c))
    metric("lost_answers", lost)
    metric("misscored", misscored)
    metric("reveal_latency_p50_ms", quantile(tally.reveal_ms, 0.5))
    metric("reveal_latency_p99_ms", p99(tally.reveal_ms))
    metric("answer_ack_p50_ms", quantile(tally.ack_ms, 0.5))
    metric("echo_p50_ms", quantile(tally.echo_ms, 0.5))
    metric("answer_ack_p99_ms", ack)
    metric("echo_p99_ms", echo_p99)
    metric("answer_ack_p99_vs_echo", ack / echo_p99 if echo_p99 else float("nan"))


if __name__ == "__main__":
    main()
