"""答题PK in Chromium on phones, against daphne serving HTTP and the WebSockets (a subprocess on the test
database): 小明 and 小红 are matched into a 双人对战, play it to the end in two browser contexts, see the same
final result, and the credit appears in both ledgers; then a 四人赛 of the two with two 练习对手 completes."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from exams.models import Battle, BattlePlayer, QuestionVersion
from school.credits.models import CreditEntry
from school.credits.rules import ensure_default_rules
from tests.e2e.conftest import ARTIFACTS, PHONE, login, shot
from tests.exams.builders import fill_bank, make_bank, make_battle_modes
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def asgi_server(db: None) -> Iterator[str]:
    """daphne on 127.0.0.1 with school.asgi, on the test database (the rows the test commits)."""
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.e2e.asgi_settings", "DATABASE_URL": _database_url(),
           "VAR_DIR": str(settings.VAR_DIR), "BATTLE_REVEAL_SECONDS": "1", "PYTHONPATH": str(ROOT)}
    env.pop("CHANNEL_LAYER_URL", None)  # one process: the in-memory layer
    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / "battles-daphne.log").open("wb")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
                             "school.asgi:application"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert proc.poll() is None, "daphne exited; see test-artifacts/battles-daphne.log"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _right_key(battle_id: int, index: int) -> str:
    battle = Battle.objects.get(pk=battle_id)
    return "ABCD"[QuestionVersion.objects.get(pk=battle.version_ids[index]).answer[0]]


def _play(pages: list[Any], total: int, battle_id: int, name: str) -> None:
    """Each page answers every question right, the first one faster (after the 500 ms reading time)."""
    for index in range(total):
        for page in pages:
            page.wait_for_selector(f"#qno:has-text('第 {index + 1} 题')", timeout=20_000)
        key = _right_key(battle_id, index)
        for n, page in enumerate(pages):
            page.wait_for_timeout(700 + 400 * n)
            page.click(f"#choices .choice[data-key='{key}']")
        if index == 0:
            shot(pages[0], f"{name}-question")
        for page in pages:
            page.wait_for_selector("#choices .choice.right", state="attached", timeout=20_000)
        if index == 0:
            shot(pages[0], f"{name}-reveal")


def test_it_matches_two_members_who_play_a_duel_to_the_same_result_and_credits_both(
        personas: Any, asgi_server: str, browser: Any) -> None:
    ensure_default_rules(dt.date(2026, 1, 1))
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 6)
    make_battle_modes(bank, questions=3, seconds=4)
    contexts = [browser.new_context(locale="zh-CN", **PHONE) for _ in range(2)]
    pages = [context.new_page() for context in contexts]
    try:
        for page, username in zip(pages, ("xiaoming", "xiaohong"), strict=True):
            page.set_default_timeout(20_000)
            login(page, asgi_server, username, PASSWORD)
            page.goto(f"{asgi_server}/battles/")
        shot(pages[0], "battles-01-lobby")
        pages[0].click("[data-queue=duel]")
        pages[0].wait_for_selector("#matching:not([hidden])")
        shot(pages[0], "battles-02-matching")
        pages[1].click("[data-queue=duel]")
        for page in pages:
            page.wait_for_url("**/battles/*/")
        battle = Battle.objects.get()
        _play(pages, 3, battle.pk, "battles-03")
        finals = []
        for page in pages:
            page.wait_for_selector("#final:not([hidden])", timeout=20_000)
            finals.append(page.locator("#final-list").inner_text())
        shot(pages[0], "battles-04-final")
        assert finals[0] == finals[1] and "小明" in finals[0] and "小红" in finals[0]
        battle.refresh_from_db()
        assert battle.state == Battle.State.FINISHED
        ranks = {p.name: (p.rank, p.score) for p in battle.players.all()}
        assert ranks["小明"][0] == 1 and ranks["小明"][1] > ranks["小红"][1] > 0
        assert finals[0].splitlines()[0].startswith("1. 小明")
        for member in (personas.member, personas.member_a2):
            entry = CreditEntry.objects.get(member=member, source_type="battle")
            assert (entry.source_id, entry.points) == (battle.pk, 1)
        pages[1].click("#final-link")
        pages[1].wait_for_url("**/result/")
        assert "解析" in pages[1].content() and "获得积分：1" in pages[1].content()
        shot(pages[1], "battles-05-result")
    finally:
        for context in contexts:
            context.close()


def test_it_completes_a_four_player_battle_of_two_members_and_two_practice_opponents(
        personas: Any, asgi_server: str, browser: Any) -> None:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 6)
    make_battle_modes(bank, questions=2, seconds=4, match_timeout_seconds=2)
    contexts = [browser.new_context(locale="zh-CN", **PHONE) for _ in range(2)]
    pages = [context.new_page() for context in contexts]
    try:
        for page, username in zip(pages, ("xiaoming", "xiaohong"), strict=True):
            page.set_default_timeout(20_000)
            login(page, asgi_server, username, PASSWORD)
            page.goto(f"{asgi_server}/battles/")
            page.click("[data-queue=quad]")
        pages[0].wait_for_selector("#play-bots:not([hidden])")
        shot(pages[0], "battles-06-offer-practice-opponents")
        pages[0].click("#play-bots")
        for page in pages:
            page.wait_for_url("**/battles/*/")
        battle = Battle.objects.get()
        assert battle.players.filter(is_bot=True).count() == 2
        _play(pages, 2, battle.pk, "battles-07-quad")
        for page in pages:
            page.wait_for_selector("#final:not([hidden])", timeout=20_000)
        shot(pages[1], "battles-08-quad-final")
        battle.refresh_from_db()
        assert battle.state == Battle.State.FINISHED
        assert BattlePlayer.objects.filter(battle=battle, rank__isnull=False).count() == 4
        assert pages[0].locator("#final-list li").count() == 4
    finally:
        for context in contexts:
            context.close()
