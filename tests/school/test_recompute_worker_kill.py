"""A worker killed in the middle of a score recompute: each period is recomputed in its own
transaction, so the period being rewritten keeps its previous numbers, the periods already done keep
their new ones, and the redelivered task (acks_late: the killed worker never acknowledged it) completes once with the same
numbers as an uninterrupted recompute. Own redis-server, real workers: ``make test-heavy``."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from school.credits.models import Basis, MemberCredit, OrganizationScore
from school.credits.recompute import recompute
from school.credits.services import post_credit
from school.credits.tasks import recompute_scores_task
from school.models import AuditAction, AuditEvent
from tests.factories import Personas
from tests.faults.processes import kill, publish, start_worker, wait_for
from tests.school.builders import at, fake_sources, make_rule

pytestmark = [pytest.mark.heavy, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DONE_FIRST, INTERRUPTED = "2026-10", "2026-11"
PERIODS = [DONE_FIRST, INTERRUPTED]


def numbers(period: str) -> tuple[list[Any], list[Any]]:
    totals = sorted(MemberCredit.objects.filter(period=period).values_list("member_id", "points", "entries"))
    scores = sorted(OrganizationScore.objects.filter(period=period).values_list(
        "organization_id", "members", "participants", "points", "avg_points", "participation_rate", "score"))
    return totals, scores


def history(personas: Personas) -> None:
    make_rule("video", "lesson", basis=Basis.PER_UNIT, factor="1.5", daily_cap="4")
    make_rule("exam", "exam", points="3")
    members = [personas.member, personas.member_a2, personas.member_x]
    with fake_sources() as fake:
        for month in (10, 11):
            for n, member in enumerate(members):
                for source_id in range(1, 4):
                    fake.complete("lesson", member.pk, month * 10 + source_id, str(n + source_id))
                    post_credit(member.pk, "lesson", month * 10 + source_id, at(dt.date(2026, month, 2 + n)))
                fake.complete("exam", member.pk, month)
                post_credit(member.pk, "exam", month, at(dt.date(2026, month, 20)))


def test_it_keeps_the_interrupted_period_intact_and_completes_once_after_redelivery(
        personas: Personas, tmp_path: Path, redis_server: Any) -> None:
    history(personas)
    recompute(PERIODS)
    expected = {period: numbers(period) for period in PERIODS}
    assert expected[INTERRUPTED][0] and expected[INTERRUPTED][1]
    # Numbers the recompute must repair (as after a membership change it has not seen yet).
    MemberCredit.objects.filter(period__in=PERIODS).update(points=Decimal("999"))
    OrganizationScore.objects.filter(period__in=PERIODS).update(score=12345.0, participants=0)
    stale = {period: numbers(period) for period in PERIODS}

    broker, queue = redis_server.url(0), f"recompute-{uuid.uuid4().hex[:8]}"
    gate = tmp_path / "gate"
    gate.mkdir()
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_worker(broker, queue, first_log, DJANGO_SETTINGS_MODULE="tests.faults.worker_settings",
                         FAULTS_BLOCK_PERIOD=INTERRUPTED, FAULTS_BLOCK_DIR=str(gate))
    second = None
    try:
        publish(recompute_scores_task, broker, queue=queue, args=(PERIODS,))
        wait_for((gate / "reached").exists, 40, "the recompute to reach the middle of 2026-11", first_log)
        # Inside the second period's transaction: the first period is committed, the second is not.
        assert numbers(DONE_FIRST) == expected[DONE_FIRST]
        assert numbers(INTERRUPTED) == stale[INTERRUPTED]
        kill(first)
        assert numbers(INTERRUPTED) == stale[INTERRUPTED], "the killed worker left half-written numbers"
        assert "succeeded" not in first_log.read_text()

        second = start_worker(broker, queue, second_log)
        wait_for(lambda: "succeeded in" in second_log.read_text(), 40, "the redelivered recompute to finish",
                 second_log)
    finally:
        kill(first)
        kill(second)
    assert {period: numbers(period) for period in PERIODS} == expected
    assert second_log.read_text().count("succeeded in") == 1
    by_workers = AuditEvent.objects.filter(action=AuditAction.SCORES_RECOMPUTED, actor_name__startswith="celery")
    assert by_workers.count() == 1  # the killed run never finished; the redelivered one did, once
    recompute(PERIODS)  # an uninterrupted recompute now changes nothing
    assert {period: numbers(period) for period in PERIODS} == expected
