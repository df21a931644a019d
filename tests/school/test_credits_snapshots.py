from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from school.credits import rankings
from school.credits.models import RankingSnapshot, RankingSnapshotRow, SnapshotImmutable
from school.credits.services import post_credit
from tests.factories import Personas

from .builders import at, fake_sources, make_rule


@pytest.fixture
def ranked(personas: Personas) -> Personas:
    make_rule("course", "course", points="5")
    with fake_sources() as fake:
        fake.complete("course", personas.member.pk, 1)
        post_credit(personas.member.pk, "course", 1, at(dt.date(2026, 10, 5)))
    call_command("recompute_scores", "--period=2026-10", "--period=2026-Q4")
    return personas


@pytest.mark.django_db
def test_it_never_changes_a_published_snapshot(ranked: Personas) -> None:
    snapshot = rankings.take_snapshot("members", ranked.district, "2026-Q4")
    rows = list(snapshot.rows.values_list("rank", "name", "value"))
    assert rows == [(1, "小明", 5.0), (2, "小红", 0.0)]  # competition rank; no study counts as 0
    assert rankings.publish(snapshot.pk) is True
    assert rankings.publish(snapshot.pk) is False  # publishing twice changes nothing
    snapshot.refresh_from_db()
    published_at = snapshot.published_at
    snapshot.period = "2026-Q3"
    with pytest.raises(SnapshotImmutable):
        snapshot.save()
    with pytest.raises(SnapshotImmutable):
        RankingSnapshot.objects.filter(pk=snapshot.pk).update(period="2026-Q3")
    with pytest.raises(SnapshotImmutable):
        RankingSnapshot.objects.filter(pk=snapshot.pk).delete()
    with pytest.raises(SnapshotImmutable):
        RankingSnapshotRow.objects.filter(snapshot=snapshot).update(value=99)
    row = snapshot.rows.first()
    assert row is not None
    row.value = 99
    with pytest.raises(SnapshotImmutable):
        row.save()
    with pytest.raises(SnapshotImmutable):
        RankingSnapshotRow.objects.create(snapshot=snapshot, rank=3, object_id=1, name="x", value=1)
    snapshot.refresh_from_db()
    assert (snapshot.period, snapshot.published_at) == ("2026-Q4", published_at)
    assert list(snapshot.rows.values_list("rank", "name", "value")) == rows


@pytest.mark.django_db
def test_it_takes_and_publishes_snapshots_from_the_statistics_pages(ranked: Personas, client_for: Any) -> None:
    client = client_for(ranked.admin_a)
    take = reverse("credits_admin:snapshot_take", args=[ranked.branch_group_a.pk])
    assert client.post(take, {"kind": "organizations", "period": "2026-Q4"}).status_code == 302
    snapshot = RankingSnapshot.objects.get()
    assert snapshot.created_by == ranked.admin_a
    page = client.get(reverse("credits_admin:snapshot", args=[snapshot.pk]))
    assert page.status_code == 200 and "第一党支部" in page.content.decode()
    # the frozen numbers say when they were taken and how ties are ordered (not 数据尚未计算)
    taken = timezone.localtime(snapshot.created_at)
    assert f"数据更新于 {taken:%Y-%m-%d %H:%M:%S}" in page.content.decode()
    assert "同一名次内按组织树顺序列出" in page.content.decode()
    client.post(reverse("credits_admin:snapshot_publish", args=[snapshot.pk]))
    snapshot.refresh_from_db()
    assert snapshot.published
    assert client.post(take, {"kind": "nonsense", "period": "2026-Q4"}).status_code == 400
    other = client_for(ranked.admin_x)
    assert other.get(reverse("credits_admin:snapshot", args=[snapshot.pk])).status_code == 404
    assert other.post(take, {"kind": "members", "period": "2026-Q4"}).status_code == 404
    assert RankingSnapshot.objects.count() == 1


@pytest.mark.django_db
def test_it_publishes_closed_periods_on_schedule(ranked: Personas) -> None:
    made = rankings.scheduled_snapshots(dt.date(2027, 1, 1))
    keys = set(RankingSnapshot.objects.filter(pk__in=made).values_list("period", flat=True))
    assert keys == {"2026-12", "2026-Q4", "2026"}
    assert all(RankingSnapshot.objects.filter(pk__in=made).values_list("published", flat=True))
    assert rankings.scheduled_snapshots(dt.date(2027, 1, 1)) == []  # already published: kept
    assert rankings.scheduled_snapshots(dt.date(2027, 1, 2)) == []


@pytest.mark.django_db
def test_it_publishes_one_snapshot_per_period_when_two_beats_run_together(
        ranked: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    real_take = rankings.take_snapshot
    other_beat_ran: list[list[int]] = []

    def take_after_the_other_beat(*args: Any, **kwargs: Any) -> RankingSnapshot:
        if not other_beat_ran:  # this run checked "not published yet"; the other beat publishes meanwhile
            other_beat_ran.append([])
            other_beat_ran[0] = rankings.scheduled_snapshots(dt.date(2027, 1, 1))
        return real_take(*args, **kwargs)

    monkeypatch.setattr(rankings, "take_snapshot", take_after_the_other_beat)
    made = rankings.scheduled_snapshots(dt.date(2027, 1, 1))

    published = RankingSnapshot.objects.filter(published=True)
    assert published.count() == len(other_beat_ran[0]) + len(made) == len({(s.kind, s.scope_id, s.period)
                                                                           for s in published})
    assert not RankingSnapshot.objects.filter(published=False).exists()  # the loser's draft is gone


def test_it_gives_every_periodic_task_an_expiry() -> None:
    from django.conf import settings

    schedule: dict[str, dict[str, Any]] = settings.CELERY_BEAT_SCHEDULE
    missing = [name for name, entry in schedule.items() if not entry.get("options", {}).get("expires")]
    assert missing == []
