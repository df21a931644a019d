"""答题PK: matchmaking, server-authoritative play, scoring, credits, private rooms and the WebSocket
consumers with every kind of bad input (channels.testing.WebsocketCommunicator).

Personas: 小明 (``member``, committee 测试区委) and 小红 (``member_a2``, the same committee), 小刚
(``member_x``, another committee); the trainer owns the question bank. The socket tests run their
coroutine through ``async_to_sync`` from the test's thread, so ``database_sync_to_async`` calls come
back to it (no threads racing on SQLite); they are transactional tests because Channels closes old
connections around every database call, as in production."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from exams.models import Battle, BattleAnswer, BattlePlayer, BattleTicket
from exams.routing import websocket_urlpatterns
from exams.services import battles as svc
from exams.services.battles import BattleError
from exams.tasks import post_battle_credits
from school.credits.models import CreditEntry, OrganizationScore
from school.credits.periods import parse
from school.credits.recompute import recompute
from school.credits.rules import ensure_default_rules
from school.credits.tasks import post_credit_task
from tests.exams.builders import fill_bank, make_bank, make_battle_modes
from tests.factories import make_member

router = URLRouter(websocket_urlpatterns)


@pytest.fixture
def modes(personas: Any, settings: Any) -> dict[str, Any]:
    settings.BATTLE_REVEAL_SECONDS = 0
    settings.BATTLE_MIN_ANSWER_MS = 500
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 8)
    return make_battle_modes(bank, questions=3, seconds=10)


@pytest.fixture
def run_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(post_credit_task, "delay", lambda *args: post_credit_task.run(*args))
    monkeypatch.setattr(post_battle_credits, "delay", lambda *args: post_battle_credits.run(*args))


def _duel(personas: Any, modes: dict[str, Any]) -> Battle:
    assert svc.do_enqueue(personas.member, modes["duel"]).battle is None
    battle = svc.do_enqueue(personas.member_a2, modes["duel"]).battle
    assert battle is not None and battle.state == Battle.State.RUNNING
    BattlePlayer.objects.filter(battle=battle).update(connected=True)
    return battle


def _right(battle: Battle, index: int) -> str:
    from exams.models import QuestionVersion

    return "ABCD"[QuestionVersion.objects.get(pk=battle.version_ids[index]).answer[0]]


def _after(battle: Battle, ms: int) -> dt.datetime:
    battle.refresh_from_db()
    assert battle.shown_at is not None
    return battle.shown_at + dt.timedelta(milliseconds=ms)


# --- Services ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_it_matches_the_same_committee_first_then_anyone(personas: Any, modes: dict[str, Any]) -> None:
    duel = modes["duel"]
    assert svc.do_enqueue(personas.member_x, duel).battle is None  # another committee, waiting longest
    assert svc.do_enqueue(personas.member_a2, duel).battle is None
    battle = svc.do_enqueue(personas.member, duel).battle
    assert battle is not None
    seated = set(battle.players.values_list("member__name", flat=True))
    assert seated == {"小明", "小红"}
    assert len(battle.version_ids) == 3
    # 小刚 still waits; once he has waited long enough, anyone plays him: 小明's next battle is against him.
    assert BattleTicket.objects.filter(member=personas.member_x, waiting=True).exists()
    assert svc.do_match_anyone(personas.member_x) is None  # nobody else is waiting
    battle.players.update(live=False)
    assert svc.do_enqueue(personas.member, duel).battle is None  # 小刚 has not waited 5 s yet
    BattleTicket.objects.filter(member=personas.member_x).update(created_at=timezone.now() - dt.timedelta(seconds=6))
    BattleTicket.objects.filter(member=personas.member, waiting=True).update(waiting=False)
    crossed = svc.do_enqueue(personas.member, duel).battle
    assert crossed is not None and set(crossed.players.values_list("member__name", flat=True)) == {"小明", "小刚"}


@pytest.mark.django_db
def test_it_allows_one_battle_per_member_at_a_time(personas: Any, modes: dict[str, Any]) -> None:
    battle = _duel(personas, modes)
    with pytest.raises(BattleError) as refused:
        svc.do_enqueue(personas.member, modes["quad"])
    assert refused.value.code == "busy" and refused.value.status == 409
    with pytest.raises(BattleError):
        svc.do_create_private(personas.member, modes["duel"])
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses a second live seat too
        BattlePlayer.objects.create(battle=Battle.objects.create(mode=modes["duel"]), seat=0,
                                    member=personas.member, name="小明")
    assert BattlePlayer.objects.filter(member=personas.member).count() == 1
    assert battle.players.count() == 2


@pytest.mark.django_db
def test_it_accepts_answers_only_inside_the_window_and_reveals_only_after_it(personas: Any,
                                                                             modes: dict[str, Any]) -> None:
    battle = _duel(personas, modes)
    question = svc.do_open_question(battle.pk, 0)
    assert question is not None and question["index"] == 0 and "answer" not in question
    assert svc.do_open_question(battle.pk, 0) is None  # a second driver opens nothing
    right = _right(battle, 0)
    # Too fast to have read it: recorded, flagged, no points.
    svc.do_answer(personas.member, battle.pk, 0, right, _after(battle, 200))
    fast = BattleAnswer.objects.get(player__member=personas.member)
    assert fast.is_correct and fast.too_fast and fast.points == 0
    with pytest.raises(BattleError) as twice:
        svc.do_answer(personas.member, battle.pk, 0, right, _after(battle, 3000))
    assert twice.value.code == "already_answered"
    with pytest.raises(BattleError) as late:
        svc.do_answer(personas.member_a2, battle.pk, 0, right, _after(battle, 10_001))
    assert late.value.code == "too_late"
    for index, code in ((1, "wrong_question"), ("0", "bad_frame"), (True, "bad_frame")):
        with pytest.raises(BattleError) as wrong:
            svc.do_answer(personas.member_a2, battle.pk, index, right, _after(battle, 2000))
        assert wrong.value.code == code
    with pytest.raises(BattleError) as outsider:
        svc.do_answer(personas.member_x, battle.pk, 0, right, _after(battle, 2000))
    assert outsider.value.code == "not_player" and outsider.value.status == 403
    with pytest.raises(BattleError):
        svc.do_answer(personas.member_a2, battle.pk, 0, "Z", _after(battle, 2000))
    # 小红 answers right after 2.5 s of a 10 s window: 10 + 10 × 0.75 = 17.5 → 18 points (hidden until the reveal).
    svc.do_answer(personas.member_a2, battle.pk, 0, right, _after(battle, 2500))
    assert BattleAnswer.objects.get(player__member=personas.member_a2).points == 18
    assert set(battle.players.values_list("score", flat=True)) == {0}
    assert svc.do_reveal(battle.pk, 0, now=_after(battle, 9999)) is None  # never before the deadline
    reveal = svc.do_reveal(battle.pk, 0, now=_after(battle, 10_000))
    assert reveal is not None and reveal["answer"] == [right] and not reveal["finished"]
    assert {s["name"]: s["score"] for s in reveal["scores"]} == {"小明": 0, "小红": 18}
    assert svc.do_reveal(battle.pk, 0, now=_after(battle, 10_000)) is None  # revealed once
    assert BattleAnswer.objects.count() == 2


@pytest.mark.django_db
def test_it_writes_the_answers_that_arrive_together_in_one_go_each_with_its_own_verdict(
        personas: Any, modes: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    """What a busy server sends ``do_answers``: answers of two battles at once, among them a duplicate, an
    outsider's, a malformed one and one for the wrong question; each gets its own verdict, only the good
    ones are stored, and the whole batch costs a fixed number of queries."""
    duel = _duel(personas, modes)
    svc.do_open_question(duel.pk, 0)
    at = _after(duel, 3000)
    right, wrong = _right(duel, 0), "D" if _right(duel, 0) != "D" else "C"
    batch = [
        svc.AnswerIn(personas.member.pk, duel.pk, 0, right, at),
        svc.AnswerIn(personas.member_a2.pk, duel.pk, 0, wrong, at),
        svc.AnswerIn(personas.member.pk, duel.pk, 0, wrong, at),  # twice in the same batch
        svc.AnswerIn(personas.member_x.pk, duel.pk, 0, right, at),  # not a player of it
        svc.AnswerIn(personas.member_a2.pk, duel.pk, "0", right, at),  # forged index
        svc.AnswerIn(personas.member_a2.pk, duel.pk, 1, right, at),  # not the open question
        svc.AnswerIn(personas.member.pk, duel.pk, 0, "Z", at),  # no such option
    ]
    with django_assert_max_num_queries(8):
        results = svc.do_answers(batch)
    verdicts = [r.code if isinstance(r, BattleError) else "ok" for r in results]
    assert verdicts == ["ok", "ok", "already_answered", "not_player", "bad_frame", "wrong_question",
                        "unknown_option"]
    stored = {a.player.member_id: (a.response, a.is_correct) for a in BattleAnswer.objects.select_related("player")}
    assert stored == {personas.member.pk: (right, True), personas.member_a2.pk: (wrong, False)}
    # Sent again (a client that did not get its ack): refused, nothing stored twice.
    again = svc.do_answers(batch[:2])
    assert [r.code for r in again if isinstance(r, BattleError)] == ["already_answered", "already_answered"]
    assert BattleAnswer.objects.count() == 2


@pytest.mark.django_db
def test_it_reveals_every_battle_that_is_due_in_one_go_and_only_those(personas: Any, modes: dict[str, Any],
                                                                    django_assert_max_num_queries: Any) -> None:
    first = _duel(personas, modes)
    assert svc.do_enqueue(personas.member_x, modes["duel"]).battle is None
    second = svc.do_enqueue(make_member(personas.x1, "xiaoli", "小丽"), modes["duel"]).battle
    assert second is not None
    BattlePlayer.objects.filter(battle=second).update(connected=True)
    opened = svc.do_open_questions([(first.pk, 0), (second.pk, 0), (first.pk, 0)])
    assert set(opened) == {(first.pk, 0), (second.pk, 0)}
    assert svc.do_open_questions([(first.pk, 0)]) == {}  # opened once
    svc.do_answer(personas.member, first.pk, 0, _right(first, 0), _after(first, 1000))
    svc.do_answer(personas.member_x, second.pk, 0, _right(second, 0), _after(second, 5000))
    Battle.objects.filter(pk=second.pk).update(deadline=timezone.now() + dt.timedelta(seconds=30))  # not yet due
    with django_assert_max_num_queries(10):  # savepoint and release included
        reveals = svc.do_reveal_many([(first.pk, 0), (second.pk, 0)], now=_after(first, 10_000))
    assert list(reveals) == [(first.pk, 0)]
    assert {s["name"]: s["score"] for s in reveals[(first.pk, 0)]["scores"]} == {"小明": 19, "小红": 0}
    assert set(BattlePlayer.objects.filter(battle=second).values_list("score", flat=True)) == {0}
    assert Battle.objects.get(pk=second.pk).phase == Battle.Phase.QUESTION
    assert svc.do_reveal_many([(first.pk, 0)], now=_after(first, 10_000)) == {}  # revealed once


@pytest.mark.django_db
def test_it_refuses_an_answer_that_the_reveal_overtook_and_counts_nothing_twice(
        personas: Any, modes: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    battle = _duel(personas, modes)
    svc.do_open_question(battle.pk, 0)
    right = _right(battle, 0)
    real = svc.validate_response

    def overtaken(version: Any, choice: Any) -> Any:  # the reveal commits while this answer is on its way
        assert svc.do_reveal(battle.pk, 0, now=_after(battle, 10_000)) is not None
        return real(version, choice)

    monkeypatch.setattr(svc, "validate_response", overtaken)
    with pytest.raises(BattleError) as late:
        svc.do_answer(personas.member, battle.pk, 0, right, _after(battle, 9_000))
    assert late.value.code == "too_late"
    assert not BattleAnswer.objects.exists()
    assert set(battle.players.values_list("score", flat=True)) == {0}


@pytest.mark.django_db
def test_it_plays_a_duel_to_the_end_ranks_and_credits_each_member_once_within_the_cap(
        personas: Any, modes: dict[str, Any], run_tasks: None, django_capture_on_commit_callbacks: Any) -> None:
    ensure_default_rules(dt.date(2026, 1, 1))  # with 答题PK's own rule (the modes made it): at most 3 a day
    modes["duel"].credit_points = Decimal("2")
    modes["duel"].save()
    for round_no in range(2):
        battle = _duel(personas, modes)
        with django_capture_on_commit_callbacks(execute=True):
            for index in range(3):
                svc.do_open_question(battle.pk, index)
                right = _right(battle, index)
                svc.do_answer(personas.member, battle.pk, index, right, _after(battle, 1000))
                svc.do_answer(personas.member_a2, battle.pk, index, "D" if right != "D" else "C", _after(battle, 900))
                reveal = svc.do_reveal(battle.pk, index, now=_after(battle, 10_000))
                assert reveal is not None
                assert reveal["finished"] is (index == 2)
        battle.refresh_from_db()
        assert battle.state == Battle.State.FINISHED
        ming, hong = (battle.players.get(member=personas.member), battle.players.get(member=personas.member_a2))
        assert (ming.rank, ming.score, ming.correct) == (1, 3 * 19, 3)
        assert (hong.rank, hong.score, hong.live) == (2, 0, False)
        assert ming.credit_points == hong.credit_points == Decimal("2.00")
        post_battle_credits.run([battle.pk])  # the task delivered twice
        post_credit_task.run(personas.member.pk, "battle", battle.pk, timezone.now().isoformat(), None)  # a forged replay
        entries = CreditEntry.objects.filter(member=personas.member, source_type="battle")
        assert entries.count() == round_no + 1
    # Two battles of 2 points each, daily cap 3: the second counts 1.
    for member in (personas.member, personas.member_a2):
        points = sorted(CreditEntry.objects.filter(member=member, source_type="battle").values_list("points", flat=True))
        assert points == [Decimal("1.00"), Decimal("2.00")]
    # Battles count in participation: 小明 is branch A1's one member, and he took part this month.
    period = parse(f"{timezone.localdate():%Y-%m}")
    recompute([period.key])
    assert OrganizationScore.objects.get(organization=personas.a1, period=period.key).participation_rate == 1.0


@pytest.mark.django_db
def test_it_offers_practice_opponents_only_after_the_timeout_and_they_earn_no_credit(
        personas: Any, modes: dict[str, Any], run_tasks: None, django_capture_on_commit_callbacks: Any) -> None:
    ensure_default_rules(dt.date(2026, 1, 1))
    quad = modes["quad"]
    svc.do_enqueue(personas.member, quad)
    svc.do_enqueue(personas.member_a2, quad)
    with pytest.raises(BattleError) as early:
        svc.do_play_with_bots(personas.member)
    assert early.value.code == "too_soon"
    BattleTicket.objects.update(created_at=timezone.now() - dt.timedelta(seconds=16))
    battle = svc.do_play_with_bots(personas.member)
    players = list(battle.players.all())
    assert [(p.is_bot, p.member_id is None) for p in players] == [(False, False), (False, False), (True, True),
                                                                   (True, True)]
    assert battle.has_bots
    BattlePlayer.objects.filter(battle=battle, is_bot=False).update(connected=True)
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(3):
            svc.do_open_question(battle.pk, index)
            svc.do_answer(personas.member, battle.pk, index, _right(battle, index), _after(battle, 1000))
            assert svc.do_reveal(battle.pk, index, now=_after(battle, 10_000)) is not None
    battle.refresh_from_db()
    assert battle.state == Battle.State.FINISHED
    # The practice opponents answered every question, inside the window.
    bot_answers = BattleAnswer.objects.filter(player__is_bot=True)
    assert bot_answers.count() == 6 and all(0 < a.elapsed_ms < 10_000 for a in bot_answers)
    # practice_credit_factor 0: no credit.
    assert not CreditEntry.objects.filter(source_type="battle").exists()
    assert battle.players.get(member=personas.member).credit_points == 0


@pytest.mark.django_db
def test_it_forfeits_a_member_who_leaves_and_ends_the_battle_when_no_member_is_left(
        personas: Any, modes: dict[str, Any]) -> None:
    battle = _duel(personas, modes)
    svc.do_open_question(battle.pk, 0)
    svc.do_leave(personas.member, battle.pk)
    with pytest.raises(BattleError) as gone:
        svc.do_answer(personas.member, battle.pk, 0, "A", _after(battle, 2000))
    assert gone.value.code == "forfeited"
    # 小红's socket closed and was not back when the window closed: she forfeits too, and the battle ends.
    BattlePlayer.objects.filter(member=personas.member_a2).update(connected=False)
    reveal = svc.do_reveal(battle.pk, 0, now=_after(battle, 10_000))
    assert reveal is not None and reveal["finished"]
    battle.refresh_from_db()
    assert battle.state == Battle.State.FINISHED
    assert list(battle.players.values_list("forfeited", "live", "credit_points")) == [
        (True, False, Decimal("0.00")), (True, False, Decimal("0.00"))]
    assert svc.do_enqueue(personas.member, modes["duel"]).battle is None  # free to play again


@pytest.mark.django_db
def test_it_finishes_a_battle_whose_clock_stopped_and_keeps_its_points(personas: Any, modes: dict[str, Any]) -> None:
    from exams.services.battles import sweep_stale_battles

    battle = _duel(personas, modes)
    svc.do_open_question(battle.pk, 0)
    svc.do_answer(personas.member, battle.pk, 0, _right(battle, 0), _after(battle, 1000))
    svc.do_reveal(battle.pk, 0, now=_after(battle, 10_000))
    # The server died between questions and nobody reopened the battle.
    assert sweep_stale_battles(now=_after(battle, 60_000)) == 0  # not idle long enough
    assert sweep_stale_battles(now=_after(battle, 200_000)) == 1
    battle.refresh_from_db()
    assert battle.state == Battle.State.FINISHED
    ming = battle.players.get(member=personas.member)
    assert (ming.score, ming.forfeited, ming.live) == (19, True, False)
    assert sweep_stale_battles(now=_after(battle, 400_000)) == 0  # twice: nothing more
    assert svc.do_enqueue(personas.member, modes["duel"]).battle is None  # free to play again


@pytest.mark.django_db
def test_it_opens_a_private_room_by_invitation_and_starts_it_when_full(
        personas: Any, modes: dict[str, Any], client_for: Callable[[Any], Any]) -> None:
    ming, hong, gang = (client_for(m.user) for m in (personas.member, personas.member_a2, personas.member_x))
    response = ming.post(reverse("exams:battle_private"), {"mode": "duel"})
    battle = Battle.objects.get(private=True)
    assert response.status_code == 302 and response["Location"] == reverse("exams:battle", args=[battle.pk])
    page = ming.get(reverse("exams:battle", args=[battle.pk]))
    assert page.status_code == 200 and battle.invite_token in page.content.decode()
    qr = ming.get(reverse("exams:battle_qr", args=[battle.pk]))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert gang.get(reverse("exams:battle", args=[battle.pk])).status_code == 404  # not a player yet
    join = reverse("exams:battle_join", args=[battle.invite_token])
    assert "邀请" in hong.get(join).content.decode()
    assert hong.post(join).status_code == 302
    battle.refresh_from_db()
    assert battle.state == Battle.State.RUNNING and battle.players.count() == 2
    late = gang.post(join)
    assert late.status_code == 409 and "已经开始" in late.content.decode()
    assert gang.post(reverse("exams:battle_join", args=["no-such-room"])).status_code == 404
    assert ming.post(reverse("exams:battle_private"), {"mode": "nonsense"}).status_code == 404
    busy = ming.post(reverse("exams:battle_private"), {"mode": "quad"})
    assert busy.status_code == 409 and Battle.objects.count() == 1


# --- Sockets ----------------------------------------------------------------------------------------

def run(coro: Callable[[], Awaitable[None]]) -> None:
    """Run the socket scenario in a thread of its own: an earlier browser test in the same process (Playwright's
    sync API) can leave an event loop marked running in this one, where ``async_to_sync`` refuses to run."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(async_to_sync(coro)).result()


@pytest.fixture(autouse=True)
def _close_pool_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """The consumers query from the thread pool: with CONN_MAX_AGE 0 each call closes its connection, so no
    pool thread keeps one open on the test database when PostgreSQL drops it."""
    from django.db import connections

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)


async def _connect(user: Any, path: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(router, path)
    communicator.scope["user"] = user
    connected, _code = await communicator.connect()
    assert connected
    return communicator


async def _until(communicator: WebsocketCommunicator, kind: str, timeout: float = 5) -> dict[str, Any]:
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


@pytest.mark.django_db(transaction=True)
def test_it_refuses_sockets_without_login_or_seat(personas: Any, modes: dict[str, Any], client_for: Any) -> None:
    from school.asgi import application

    battle = _duel(personas, modes)

    async def play() -> None:
        for user, path in ((AnonymousUser(), f"/ws/battles/{battle.pk}/"), (AnonymousUser(), "/ws/battles/lobby/")):
            communicator = WebsocketCommunicator(router, path)
            communicator.scope["user"] = user
            connected, code = await communicator.connect()
            assert (connected, code) == (False, 4401)
        outsider = WebsocketCommunicator(router, f"/ws/battles/{battle.pk}/")
        outsider.scope["user"] = personas.member_x.user
        assert await outsider.connect() == (False, 4403)
        trainer = WebsocketCommunicator(router, "/ws/battles/lobby/")
        trainer.scope["user"] = personas.trainer
        assert await trainer.connect() == (False, 4403)
        # Through the real stack: no session cookie is anonymous; a foreign Origin is refused before anything.
        anonymous = WebsocketCommunicator(application, f"/ws/battles/{battle.pk}/",
                                          headers=[(b"origin", b"http://localhost")])
        assert (await anonymous.connect())[0] is False
        foreign = WebsocketCommunicator(application, f"/ws/battles/{battle.pk}/",
                                        headers=[(b"origin", b"http://evil.example")])
        assert (await foreign.connect())[0] is False

    run(play)
    assert not BattlePlayer.objects.filter(connected=False, battle=battle).exclude(
        member__in=[personas.member, personas.member_a2]).exists()


def _redis_url() -> str | None:
    """CI's Redis (as `.ci/run` starts it), or the one of CHANNEL_LAYER_URL; None when none answers."""
    import os
    import socket
    from urllib.parse import urlparse

    url = os.environ.get("CHANNEL_LAYER_URL") or "redis://127.0.0.1:6379/12"
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 0.5).close()
    except OSError:
        return None
    return url


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("layer", ["memory", "redis-pubsub"])
def test_it_plays_a_duel_over_sockets_with_the_same_result_for_both(personas: Any, modes: dict[str, Any],
                                                                      settings: Any, layer: str) -> None:
    """On the in-memory layer (`make run`) and on production's Redis Pub/Sub layer (when a Redis answers)."""
    if layer == "redis-pubsub":
        url = _redis_url()
        if url is None:
            pytest.skip("no Redis at CHANNEL_LAYER_URL or 127.0.0.1:6379")
        import secrets

        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": {
            "hosts": [{"address": url, "socket_timeout": None}], "prefix": f"test{secrets.token_hex(4)}"}}}
    settings.BATTLE_MIN_ANSWER_MS = 0
    modes["duel"].seconds_per_question = 1
    modes["duel"].save()
    frames: dict[str, list[dict[str, Any]]] = {"ming": [], "hong": []}

    async def play() -> None:
        lobby_ming = await _connect(personas.member.user, "/ws/battles/lobby/")
        lobby_hong = await _connect(personas.member_a2.user, "/ws/battles/lobby/")
        assert (await lobby_ming.receive_json_from())["type"] == "lobby"
        await lobby_hong.receive_json_from()
        await lobby_ming.send_json_to({"type": "queue", "mode": "duel"})
        assert (await lobby_ming.receive_json_from())["type"] == "waiting"
        await lobby_hong.send_json_to({"type": "queue", "mode": "duel"})
        matched = [await _until(lobby_ming, "matched"), await _until(lobby_hong, "matched")]
        assert matched[0]["battle"] == matched[1]["battle"]
        battle_id = matched[0]["battle"]
        await lobby_ming.disconnect()
        await lobby_hong.disconnect()
        ming = await _connect(personas.member.user, f"/ws/battles/{battle_id}/")
        hong = await _connect(personas.member_a2.user, f"/ws/battles/{battle_id}/")
        for index in range(3):
            q_ming, q_hong = await _until(ming, "question"), await _until(hong, "question")
            assert q_ming == q_hong and q_ming["index"] == index and "answer" not in q_ming
            right = await database_right(battle_id, index)
            await ming.send_json_to({"type": "answer", "index": index, "choice": right})
            ack = await ming.receive_json_from()
            assert ack["type"] == "ack" and "correct" not in ack and "points" not in ack
            # Nothing is revealed before the deadline.
            left = (q_ming["deadline_ms"] - timezone.now().timestamp() * 1000) / 1000
            if left > 0.15:
                assert await ming.receive_nothing(timeout=left - 0.1)
            r_ming, r_hong = await _until(ming, "reveal"), await _until(hong, "reveal")
            assert r_ming == r_hong and r_ming["answer"] == [right]
            assert timezone.now().timestamp() * 1000 >= q_ming["deadline_ms"]
            frames["ming"].append(r_ming)
        f_ming, f_hong = await _until(ming, "finished"), await _until(hong, "finished")
        assert f_ming == f_hong
        frames["hong"].append(f_hong)
        await ming.disconnect()
        await hong.disconnect()

    run(play)
    battle = Battle.objects.get()
    assert battle.state == Battle.State.FINISHED
    final = {p["name"]: (p["rank"], p["score"]) for p in frames["hong"][0]["players"]}
    ming = battle.players.get(member=personas.member)
    assert final == {"小明": (1, ming.score), "小红": (2, 0)} and ming.score > 30
    assert BattleAnswer.objects.filter(player=ming).count() == 3


async def database_right(battle_id: int, index: int) -> str:
    from channels.db import database_sync_to_async

    return await database_sync_to_async(lambda: _right(Battle.objects.get(pk=battle_id), index))()


@pytest.mark.django_db(transaction=True)
def test_it_refuses_bad_frames_without_counting_anything_and_closes_a_flood(personas: Any, modes: dict[str, Any],
                                                                          settings: Any) -> None:
    settings.BATTLE_MIN_ANSWER_MS = 0
    settings.BATTLE_FRAME_BURST = 30
    battle = _duel(personas, modes)
    other = Battle.objects.create(mode=modes["duel"])
    svc.do_open_question(battle.pk, 0)
    right = _right(battle, 0)
    codes: list[str] = []

    async def play() -> None:
        ming = await _connect(personas.member.user, f"/ws/battles/{battle.pk}/")
        state = await ming.receive_json_from()
        assert state["type"] == "state" and state["question"]["index"] == 0 and state["answered"] is False
        bad = [
            "{not json", json.dumps([1, 2]), json.dumps({"type": "answer"}),
            json.dumps({"type": "answer", "index": 0, "choice": right, "score": 999}),  # forged score
            json.dumps({"type": "answer", "index": 0, "choice": right, "battle": other.pk}),  # another battle
            json.dumps({"type": "answer", "index": 0, "choice": right, "player": 2}),  # another player
            json.dumps({"type": "answer", "index": 4, "choice": right}),  # forged question
            json.dumps({"type": "answer", "index": 0, "choice": ["A"] * 50}),
            json.dumps({"type": "answer", "index": 0, "choice": "x" * 5000}),  # oversized
            json.dumps({"type": "reveal"}),
        ]
        for text in bad:
            await ming.send_to(text_data=text)
            frame = await ming.receive_json_from()
            assert frame["type"] == "error" and frame["message"]
            codes.append(frame["code"])
        await ming.send_to(bytes_data=b"\x00\x01")
        assert (await ming.receive_json_from())["code"] == "bad_frame"
        await ming.send_json_to({"type": "answer", "index": 0, "choice": right})
        assert (await ming.receive_json_from())["type"] == "ack"
        await ming.send_json_to({"type": "answer", "index": 0, "choice": "B"})
        assert (await ming.receive_json_from())["code"] == "already_answered"
        for _n in range(40):
            await ming.send_json_to({"type": "ping"})
        output = []
        while True:
            message = await ming.receive_output(timeout=2)
            output.append(message)
            if message["type"] == "websocket.close":
                break
        assert output[-1]["code"] == 4008
        assert any("flood" in m.get("text", "") for m in output)

    run(play)
    assert codes == ["bad_frame", "bad_frame", "bad_frame", "bad_frame", "bad_frame", "bad_frame",
                     "wrong_question", "bad_shape", "too_large", "bad_frame"]
    answer = BattleAnswer.objects.get()
    assert (answer.player.member_id, answer.response, answer.question_index) == (personas.member.pk, right, 0)
    assert set(BattlePlayer.objects.values_list("score", flat=True)) == {0}


@pytest.mark.django_db(transaction=True)
def test_it_hands_the_battle_to_a_second_tab_and_resumes_after_a_reconnect(personas: Any, modes: dict[str, Any],
                                                                         settings: Any) -> None:
    settings.BATTLE_MIN_ANSWER_MS = 0
    battle = _duel(personas, modes)
    BattlePlayer.objects.update(connected=False)
    svc.do_open_question(battle.pk, 0)
    right = _right(battle, 0)

    async def play() -> None:
        first = await _connect(personas.member.user, f"/ws/battles/{battle.pk}/")
        await first.receive_json_from()
        second = await _connect(personas.member.user, f"/ws/battles/{battle.pk}/")
        assert (await second.receive_json_from())["type"] == "state"
        superseded = await first.receive_json_from()
        assert superseded["type"] == "superseded"
        assert (await first.receive_output(timeout=2)) == {"type": "websocket.close", "code": 4409}
        await second.disconnect()
        # Back within the window: the open question comes again and the answer counts.
        again = await _connect(personas.member.user, f"/ws/battles/{battle.pk}/")
        state = await again.receive_json_from()
        assert state["question"]["index"] == 0 and state["answered"] is False
        await again.send_json_to({"type": "answer", "index": 0, "choice": right})
        assert (await again.receive_json_from())["type"] == "ack"
        await again.disconnect()
        await asyncio.sleep(0)

    run(play)
    player = BattlePlayer.objects.get(member=personas.member)
    assert player.connected is False and not player.forfeited
    assert BattleAnswer.objects.filter(player=player).count() == 1
