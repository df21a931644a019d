"""立即重新计算: an administrator asks for a recompute of their subtree's statistics from the statistics
page. It is queued as a Celery task (through the outbox), its progress is shown on the page, at most one
runs at a time per subtree (a second request for it, or for an organization above or below it, says so),
it is scoped and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from school.credits import recompute
from school.credits.models import OrganizationScore, RecomputeRequest, RecomputeState
from school.credits.periods import current_month, periods_of_month
from school.credits.services import post_credit
from school.credits.tasks import recompute_request_task
from school.models import AuditEvent, OutboxTask
from school.models.audit import AuditAction
from tests.factories import Personas

from .builders import at, fake_sources, make_rule

PERIOD = "2026-11"


@pytest.fixture
def studied(personas: Personas) -> Personas:
    """小明 (A1) earned 5 points in November 2026; A1's score row of the month then went wrong."""
    make_rule("course", "course", points="5")
    with fake_sources() as fake:
        fake.complete("course", personas.member.pk, 1)
        post_credit(personas.member.pk, "course", 1, at(dt.date(2026, 11, 5), 9))
    OrganizationScore.objects.filter(organization=personas.a1, period=PERIOD).update(points=Decimal("99"))
    return personas


def _page(client: Any, org: Any) -> str:
    response = client.get(reverse("credits_admin:organization", args=[org.pk]) + f"?period={PERIOD}")
    assert response.status_code == 200
    return response.content.decode()


def _ask(client: Any, org: Any, period: str = PERIOD) -> Any:
    return client.post(reverse("credits_admin:recompute", args=[org.pk]), {"period": period}, follow=True)


@pytest.mark.django_db
def test_it_queues_the_recompute_shows_its_progress_and_audits_it(studied: Personas, client_for: Any) -> None:
    client = client_for(studied.admin_a)
    assert "立即重新计算" in _page(client, studied.branch_group_a)
    response = _ask(client, studied.branch_group_a)
    assert response.status_code == 200
    html = response.content.decode()
    assert "已提交机关党总支的重新计算，进度显示在本页。" in html
    request = RecomputeRequest.objects.get()
    keys = [*periods_of_month(current_month()), *([PERIOD] if PERIOD not in periods_of_month(current_month()) else [])]
    assert (request.organization, request.state, request.periods) == (studied.branch_group_a, "queued", keys)
    assert f"重新计算：排队中（已完成 0 / {len(keys)} 个统计期，" in html
    queued = OutboxTask.objects.get(task="school.credits.tasks.recompute_request_task")
    assert (queued.args, queued.queue) == ([request.pk], "recompute")
    event = AuditEvent.objects.get(action=AuditAction.SCORES_RECOMPUTE_REQUESTED)
    assert event.actor == studied.admin_a and "机关党总支" in event.summary and event.data["request"] == request.pk

    assert recompute_request_task.run(request.pk) == RecomputeState.DONE
    request.refresh_from_db()
    assert (request.state, request.steps_done, request.steps_total) == ("done", len(keys), len(keys))
    assert OrganizationScore.objects.get(organization=studied.a1, period=PERIOD).points == Decimal("5.00")
    html = _page(client, studied.branch_group_a)
    assert "重新计算：已完成" in html and "完成于" in html and 'data-state="done"' in html
    recomputed = AuditEvent.objects.filter(action=AuditAction.SCORES_RECOMPUTED).count()
    assert recompute_request_task.run(request.pk) == RecomputeState.DONE  # redelivered: nothing more
    assert AuditEvent.objects.filter(action=AuditAction.SCORES_RECOMPUTED).count() == recomputed


@pytest.mark.django_db
def test_it_runs_one_recompute_at_a_time_per_subtree(studied: Personas, client_for: Any) -> None:
    client = client_for(studied.admin_a)
    _ask(client, studied.branch_group_a)
    first = RecomputeRequest.objects.get()
    RecomputeRequest.objects.filter(pk=first.pk).update(state=RecomputeState.RUNNING, started_at=first.created_at,
                                                        steps_done=2)
    html = _ask(client, studied.branch_group_a).content.decode()
    assert "机关党总支的重新计算已在进行（计算中，已完成 2 / " in html
    assert RecomputeRequest.objects.count() == 1
    assert OutboxTask.objects.filter(task="school.credits.tasks.recompute_request_task").count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.SCORES_RECOMPUTE_REQUESTED).count() == 1
    assert "重新计算：计算中" in _page(client, studied.branch_group_a)
    # a branch inside it waits for it too (its numbers are in that recompute), and its page shows it
    assert "机关党总支的重新计算已在进行（计算中，已完成 2 / " in _ask(client, studied.a1).content.decode()
    assert "重新计算：机关党总支 · 计算中" in _page(client, studied.a1)
    assert RecomputeRequest.objects.count() == 1
    # another subtree is not held up
    assert "已提交某某党支部的重新计算" in _ask(client_for(studied.admin_x), studied.x1).content.decode()
    # and the committee above that branch waits for the branch's (queued) recompute
    assert "某某党支部的重新计算已在进行（排队中" in _ask(client_for(studied.admin_x), studied.other_committee).content.decode()
    # a request whose worker died long ago no longer blocks: it is marked failed with the reason
    RecomputeRequest.objects.filter(pk=first.pk).update(started_at=first.created_at - dt.timedelta(days=1))
    assert "已提交机关党总支的重新计算" in _ask(client, studied.branch_group_a).content.decode()
    first.refresh_from_db()
    assert (first.state, first.error) == ("failed", "计算进程在完成前中断。")
    assert RecomputeRequest.objects.filter(organization=studied.branch_group_a, state="queued").count() == 1


@pytest.mark.django_db
def test_it_refuses_outside_the_subtree_and_bad_input(studied: Personas, client_for: Any) -> None:
    url = reverse("credits_admin:recompute", args=[studied.branch_group_a.pk])
    assert client_for(studied.admin_x).post(url, {"period": PERIOD}).status_code == 404
    district = reverse("credits_admin:recompute", args=[studied.district.pk])
    assert client_for(studied.admin_a).post(district, {"period": PERIOD}).status_code == 404
    assert client_for(studied.trainer).post(url, {"period": PERIOD}).status_code in (302, 403)
    assert client_for(studied.admin_a).get(url).status_code == 405
    bad = client_for(studied.admin_a).post(url, {"period": "2026-13"})
    assert bad.status_code == 400 and "无法识别的期间 2026-13" in bad.content.decode()
    assert not RecomputeRequest.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.SCORES_RECOMPUTE_REQUESTED).exists()


@pytest.mark.django_db
def test_it_ends_failed_with_the_reason_shown(
        studied: Personas, client_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = client_for(studied.superuser)
    _ask(client, studied.district)
    request = RecomputeRequest.objects.get()

    def broken(keys: Any, on_period: Any = None) -> list[str]:
        on_period(1)
        raise RuntimeError("statement timeout")

    monkeypatch.setattr(recompute, "recompute", broken)
    assert recompute_request_task.run(request.pk) == RecomputeState.FAILED
    request.refresh_from_db()
    assert (request.state, request.steps_done, request.error) == ("failed", 1, "statement timeout")
    html = _page(client, studied.district)
    assert "重新计算：失败" in html and "statement timeout" in html
    assert "已提交" in _ask(client, studied.district).content.decode()  # a failed one does not block
