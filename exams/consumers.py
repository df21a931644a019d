"""答题PK over WebSockets: the lobby (matchmaking) and the battle sockets, and the battle's driver.

The consumers only carry frames: every decision is a service in ``exams.services.battles`` run through
``database_sync_to_async``, and every score comes from the database. A frame is refused (an ``error``
frame, nothing changed) when it is larger than ``BATTLE_MAX_FRAME_BYTES``, not a JSON object, of an
unknown type or with fields the server does not take (a forged score, player or battle); a socket that
sends frames faster than ``BATTLE_FRAMES_PER_SECOND`` (bursts of ``BATTLE_FRAME_BURST``) is closed (4008).

The driver: each battle's clock is an asyncio task in the server process of any player's socket (started
by the first socket to connect, restarted by a reconnecting one). It sleeps until the open question's
deadline, reveals it, pauses, opens the next one. It is not tied to any one socket, so the battle goes on
when the socket that started it closes; and opening and revealing lock and re-check the battle's row, so when
sockets of one battle sit in several server processes (each with its own driver) exactly one reveal and one
open happen per question and only the driver that made the change broadcasts it. The drivers of a process
write through one batcher (all that fall due together, in one transaction); the answers through another. A
Channels background worker would be one more process to run and a single point of failure for every
battle's clock; this needs none.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import json
import logging
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from school.models import Member
from school.permissions import member_of

from .models import Battle, BattleMode, BattlePlayer
from .services import battles as svc
from .services.battles import BattleError

log = logging.getLogger(__name__)


# The players' database calls (connects, answers, leaving) run on a small pool of their own rather than the
# one thread-sensitive thread (every battle's calls would queue behind each other there) or the loop's default
# pool (six threads on two cores fought over the GIL and doubled the tail of the reveals: bench/battles.py).
_player_threads = concurrent.futures.ThreadPoolExecutor(max_workers=settings.BATTLE_DB_THREADS,
                                                        thread_name_prefix="battle-db")


def db(fn: Any) -> Any:
    """``database_sync_to_async`` on the players' pool. The services own their transactions and touch no
    thread state."""
    return database_sync_to_async(fn, thread_sensitive=False, executor=_player_threads)


# How long the first question waits for every member of a new battle to open the battle page.
START_WAIT_SECONDS = 10.0
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_SUPERSEDED = 4409
CLOSE_FLOOD = 4008


def battle_group(battle_id: int) -> str:
    return f"battle-{battle_id}"


def member_group(member_id: int) -> str:
    return f"battle-member-{member_id}"


# --- The driver ---------------------------------------------------------------------------------

# The battles' clock (openings and reveals) and the answers each write in batches on a thread of their own:
# never queued behind each other or behind the players' connects in the pool.
_clock_thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="battle-clock")
_answer_thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="battle-answers")

Item = TypeVar("Item")
Result = TypeVar("Result")


class Batcher(Generic[Item, Result]):
    """Requests of one kind in one event loop, written together (group commit): a caller asks and waits; every
    request made while the previous batch is being written goes into the next one. So the hundreds of battles
    whose questions close at the same moment, or the answers that arrive in the same instant, cost a few
    transactions, not hundreds, and the busier the server the larger (not the longer queued) the batches."""

    def __init__(self, action: Callable[[list[Item]], list[Result]],
                 executor: concurrent.futures.ThreadPoolExecutor) -> None:
        self.action = action
        self.executor = executor
        self.pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self.flushing: asyncio.Task[None] | None = None

    async def __call__(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self.pending.append((item, future))
        if self.flushing is None or self.flushing.done():
            self.flushing = loop.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # the requests made in this same turn of the loop join the batch
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                results = await database_sync_to_async(self.action, thread_sensitive=False,
                                                       executor=self.executor)([item for item, _f in batch])
            except Exception as exc:  # each waiting caller gets the error
                for _item, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_item, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)


def _open_all(due: list[svc.Due]) -> list[dict[str, Any] | None]:
    opened = svc.do_open_questions(due)
    return [opened.get(key) for key in due]


def _reveal_all(due: list[svc.Due]) -> list[dict[str, Any] | None]:
    revealed = svc.do_reveal_many(due)
    return [revealed.get(key) for key in due]


@dataclass
class Batchers:
    open: Batcher[svc.Due, dict[str, Any] | None]
    reveal: Batcher[svc.Due, dict[str, Any] | None]
    answer: Batcher[svc.AnswerIn, svc.Answered | BattleError]


_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Batchers] = weakref.WeakKeyDictionary()


def batchers() -> Batchers:
    """The batchers of the running event loop."""
    loop = asyncio.get_running_loop()
    if loop not in _batchers:
        _batchers[loop] = Batchers(open=Batcher(_open_all, _clock_thread), reveal=Batcher(_reveal_all, _clock_thread),
                                   answer=Batcher(svc.do_answers, _answer_thread))
    return _batchers[loop]


_drivers: dict[int, asyncio.Task[None]] = {}


def ensure_driver(battle_id: int) -> None:
    loop = asyncio.get_running_loop()
    task = _drivers.get(battle_id)
    if task is not None and not task.done() and task.get_loop() is loop:
        return
    _drivers[battle_id] = loop.create_task(drive(battle_id))


def _snapshot(battle_id: int) -> dict[str, Any] | None:
    battle = Battle.objects.filter(pk=battle_id).first()
    if battle is None:
        return None
    waiting_for = BattlePlayer.objects.filter(battle=battle, is_bot=False, forfeited=False, connected=False).count()
    return {"state": battle.state, "index": battle.question_index, "phase": battle.phase,
            "deadline": battle.deadline, "waiting_for": waiting_for}


async def drive(battle_id: int) -> None:
    try:
        await _drive(battle_id)
    except Exception:  # a driver must never die silently: log it; a reconnecting socket restarts it
        log.exception("battle %s: driver failed", battle_id)
    finally:
        if _drivers.get(battle_id) is asyncio.current_task():
            _drivers.pop(battle_id, None)


async def _drive(battle_id: int) -> None:
    """Reads the battle once, then follows its own moves; it reads again only when a move was not its to make
    (another driver made it, a player's leaving ended the battle)."""
    layer = get_channel_layer()
    assert layer is not None
    group = battle_group(battle_id)
    mine = batchers()
    open_question, reveal_question = mine.open, mine.reveal
    started = time.monotonic()
    snap = await db(_snapshot)(battle_id)
    while True:
        if snap is None or snap["state"] != Battle.State.RUNNING:
            return
        now = timezone.now()
        if snap["phase"] == Battle.Phase.QUESTION:
            delay = (snap["deadline"] - now).total_seconds()
            if delay > 0:
                await asyncio.sleep(delay)
            reveal = await reveal_question((battle_id, snap["index"]))
            if reveal is None:
                await asyncio.sleep(0.02)  # another driver revealed it: read again
                snap = await db(_snapshot)(battle_id)
                continue
            await layer.group_send(group, {"type": "battle.event", "event": reveal})
            if reveal["finished"]:  # the scores of the reveal are final (ranked): no need to read them again
                final = {"type": "finished", "battle": battle_id, "players": reveal["scores"],
                         "result_url": reverse("exams:battle_result", args=[battle_id])}
                await layer.group_send(group, {"type": "battle.event", "event": final})
                return
            snap = {**snap, "phase": Battle.Phase.REVEAL}
            continue
        if snap["index"] < 0:
            if snap["waiting_for"] and time.monotonic() - started < START_WAIT_SECONDS:
                await asyncio.sleep(0.1)
                snap = await db(_snapshot)(battle_id)
                continue
        else:
            wait = (snap["deadline"] - now).total_seconds() + settings.BATTLE_REVEAL_SECONDS
            if wait > 0:
                await asyncio.sleep(wait)
        question = await open_question((battle_id, snap["index"] + 1))
        if question is None:
            await asyncio.sleep(0.02)
            snap = await db(_snapshot)(battle_id)
            continue
        await layer.group_send(group, {"type": "battle.event", "event": question})
        snap = {**snap, "phase": Battle.Phase.QUESTION, "index": question["index"],
                # (to the millisecond, rounded up: a driver that wakes before the deadline reveals nothing)
                "deadline": dt.datetime.fromtimestamp((question["deadline_ms"] + 1) / 1000, tz=dt.UTC)}


def _final(battle_id: int) -> dict[str, Any]:
    result = svc.final_result(battle_id)
    result["result_url"] = reverse("exams:battle_result", args=[battle_id])
    return result


# --- Frames ---------------------------------------------------------------------------------------

class FrameGuard(AsyncJsonWebsocketConsumer):
    """Size, rate and shape checks before a frame reaches ``handle``."""

    allowed: dict[str, set[str]] = {}

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        self.tokens = float(settings.BATTLE_FRAME_BURST)
        self.refilled = time.monotonic()
        await super().websocket_connect(message)

    def _take_token(self) -> bool:
        now = time.monotonic()
        self.tokens = min(float(settings.BATTLE_FRAME_BURST),
                          self.tokens + (now - self.refilled) * settings.BATTLE_FRAMES_PER_SECOND)
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    async def error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        if not self._take_token():
            await self.error("flood", _("Too many messages; the connection is closed."))
            await self.close(code=CLOSE_FLOOD)
            return
        if text_data is None:
            await self.error("bad_frame", _("Only text messages are accepted."))
            return
        if len(text_data.encode()) > settings.BATTLE_MAX_FRAME_BYTES:
            await self.error("too_large", _("This message is too large."))
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.error("bad_frame", _("This message is not valid JSON."))
            return
        if not isinstance(content, dict) or content.get("type") not in self.allowed:
            await self.error("bad_frame", _("Unknown message."))
            return
        extra = set(content) - self.allowed[content["type"]] - {"type"}
        if extra:
            await self.error("bad_frame", _("Fields the server does not accept: %(fields)s.") % {
                "fields": ", ".join(sorted(str(f)[:20] for f in extra))[:100]})
            return
        try:
            await self.handle(content)
        except BattleError as exc:
            await self.error(exc.code, exc.message)

    async def handle(self, content: dict[str, Any]) -> None:
        raise NotImplementedError

    async def battle_event(self, event: dict[str, Any]) -> None:
        await self.send_json(event["event"])


# --- Lobby ----------------------------------------------------------------------------------------

def _matched_frames(battle: Battle) -> list[tuple[int, dict[str, Any]]]:
    url = reverse("exams:battle", args=[battle.pk])
    return [(p.member_id, {"type": "matched", "battle": battle.pk, "url": url, "bots": battle.has_bots})
            for p in battle.players.all() if p.member_id is not None]


class LobbyConsumer(FrameGuard):
    """开始匹配: ``{"type": "queue", "mode": "duel"}``, ``{"type": "bots"}`` (练习对手 after the timeout),
    ``{"type": "cancel"}``. Matched members get ``{"type": "matched", "url": ...}`` on their lobby sockets."""

    allowed = {"queue": {"mode"}, "bots": set(), "cancel": set(), "ping": set()}

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        member = await db(member_of)(user)
        if member is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.member: Member = member
        self.group = member_group(member.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        seat = await db(svc.live_seat)(member)
        await self.send_json({"type": "lobby", "battle": seat.battle_id if seat else None,
                              "url": reverse("exams:battle", args=[seat.battle_id]) if seat else None})

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            self._stop_widening()
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await db(svc.do_cancel_queue)(self.member)

    async def handle(self, content: dict[str, Any]) -> None:
        kind = content["type"]
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "queue":
            code = content.get("mode")
            mode = await db(
                lambda: BattleMode.objects.filter(code=code, active=True).first() if isinstance(code, str) else None)()
            if mode is None:
                raise BattleError(_("This battle mode is not open."), "mode_closed", status=404)
            queued = await db(svc.do_enqueue)(self.member, mode)
            if queued.battle is not None:
                await self._announce(queued.battle)
            else:
                await self.send_json({"type": "waiting", "mode": mode.code,
                                      "bots_after": mode.match_timeout_seconds})
                self._stop_widening()
                self.widen = asyncio.get_running_loop().create_task(self._widen())
        elif kind == "bots":
            battle = await db(svc.do_play_with_bots)(self.member)
            await self._announce(battle)
        elif kind == "cancel":
            self._stop_widening()
            await db(svc.do_cancel_queue)(self.member)
            await self.send_json({"type": "cancelled"})

    async def _widen(self) -> None:
        """Same committee first: after BATTLE_SAME_COMMITTEE_SECONDS, anyone waiting for the mode."""
        await asyncio.sleep(settings.BATTLE_SAME_COMMITTEE_SECONDS)
        battle = await db(svc.do_match_anyone)(self.member)
        if battle is not None:
            await self._announce(battle)

    def _stop_widening(self) -> None:
        widen = getattr(self, "widen", None)
        if widen is not None and not widen.done():
            widen.cancel()

    async def _announce(self, battle: Battle) -> None:
        for member_id, frame in await db(_matched_frames)(battle):
            await self.channel_layer.group_send(member_group(member_id), {"type": "battle.event", "event": frame})


# --- Battle ---------------------------------------------------------------------------------------

def _seat_for(user: Any, battle_id: int) -> tuple[Member, BattlePlayer] | None:
    member = member_of(user)
    if member is None:
        return None
    player = BattlePlayer.objects.filter(battle_id=battle_id, member=member).first()
    return (member, player) if player is not None else None


class BattleConsumer(FrameGuard):
    """One player's socket in one battle: ``{"type": "answer", "index": 2, "choice": "B"}`` (acknowledged
    with ``ack``; the result comes with everyone's in ``reveal``), ``{"type": "leave"}`` (forfeit)."""

    allowed = {"answer": {"index", "choice"}, "leave": set(), "ping": set()}

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.battle_id = int(self.scope["url_route"]["kwargs"]["battle_id"])
        seat = await db(_seat_for)(user, self.battle_id)
        if seat is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.member, player = seat
        self.player_id = player.pk
        self.over = False
        await self.channel_layer.group_add(battle_group(self.battle_id), self.channel_name)
        await self.accept()
        if not player.forfeited:
            previous = await db(svc.set_connected)(self.player_id, self.channel_name, True)
            if previous:  # a second tab of the same member takes over: the first one is told and closed
                await self.channel_layer.send(previous, {"type": "battle.superseded", "channel": self.channel_name})
        state = await db(svc.battle_state)(self.battle_id, self.member)
        await self.send_json(state)
        if state["state"] == Battle.State.RUNNING:
            ensure_driver(self.battle_id)

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "player_id"):
            return
        await self.channel_layer.group_discard(battle_group(self.battle_id), self.channel_name)
        if not self.over:  # after the end nothing reads the connection: a thousand sockets closing write nothing
            await db(svc.set_connected)(self.player_id, self.channel_name, False)

    async def battle_event(self, event: dict[str, Any]) -> None:
        if event["event"].get("type") == "finished":
            self.over = True
        await super().battle_event(event)

    async def handle(self, content: dict[str, Any]) -> None:
        kind = content["type"]
        if kind == "ping":
            await self.send_json({"type": "pong", "server_now_ms": int(timezone.now().timestamp() * 1000)})
        elif kind == "answer":
            answered = await batchers().answer(svc.AnswerIn(self.member.pk, self.battle_id, content.get("index"),
                                                            content.get("choice"), timezone.now()))
            if isinstance(answered, BattleError):
                raise answered
            await self.send_json({"type": "ack", "index": answered.index, "elapsed_ms": answered.elapsed_ms})
        elif kind == "leave":
            player = await db(svc.do_leave)(self.member, self.battle_id)
            await self.send_json({"type": "left"})
            if player is not None:
                state = await db(svc.battle_state)(self.battle_id)
                await self.channel_layer.group_send(battle_group(self.battle_id), {
                    "type": "battle.event", "event": {"type": "scores", "players": state["players"]}})
                if state["state"] == Battle.State.FINISHED:
                    final = await db(_final)(self.battle_id)
                    await self.channel_layer.group_send(battle_group(self.battle_id),
                                                        {"type": "battle.event", "event": final})
            await self.close()

    async def battle_superseded(self, event: dict[str, Any]) -> None:
        if event["channel"] != self.channel_name:
            await self.send_json({"type": "superseded",
                                  "message": _("This battle was opened in another window.")})
            await self.close(code=CLOSE_SUPERSEDED)
