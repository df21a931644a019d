"""Quarters, years and overall follow every event: an event writes its month's organization rows only,
and the longer periods' rows of the subtree an administrator opens are brought up to date from the
members' own period rows when read (``recompute.bring_up_to_date``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from school.credits import recompute
from school.credits.models import OrganizationScore
from school.credits.periods import parse
from school.credits.services import post_credit
from school.services.members import update_member
from tests.factories import Personas

from .builders import at, fake_sources, make_rule

DAY = dt.date(2026, 12, 3)
LONG = ["2026-Q4", "2026", "all"]


def _row(page: Any, name: str) -> list[Any]:
    return next(row for row in page.context["table"].rows if row[1] == name)


@pytest.fixture
def course(personas: Personas) -> Any:
    make_rule("course", "course", points="5")
    with fake_sources() as fake:
        yield fake


def _award(fake: Any, member_id: int, source: int, hour: int = 9) -> None:
    fake.complete("course", member_id, source)
    assert post_credit(member_id, "course", source, at(DAY, hour))


@pytest.mark.django_db
@pytest.mark.parametrize("key", LONG)
def test_a_longer_period_shows_an_award_at_the_first_read(personas: Personas, course: Any, client_for: Any,
                                                           key: str) -> None:
    """小明 (branch A1) earns 5 points: the month rows of his chain are written, no quarter, year or
    overall row; the general branch's page of that period shows A1 with 5 points and its 数据更新于 is the
    award's time; reading again recomputes nothing."""
    _award(course, personas.member.pk, 1)
    assert not OrganizationScore.objects.filter(period__in=LONG).exists()
    month_row = OrganizationScore.objects.get(organization=personas.a1, period="2026-12")
    assert month_row.points == 5 and month_row.participants == 1

    client = client_for(personas.admin_a)
    page = client.get(reverse("credits_admin:organization", args=[personas.branch_group_a.pk]) + f"?period={key}")
    assert page.status_code == 200
    a1 = _row(page, personas.a1.name)
    assert a1[3] == 1 and a1[5] == 5.0  # studied, average points (one member)
    shown = timezone.localtime(month_row.updated_at).strftime("%Y-%m-%d %H:%M:%S")
    assert f"数据更新于 {shown}" in page.content.decode()
    row = OrganizationScore.objects.get(organization=personas.a1, period=key)
    assert (row.points, row.participants) == (5, 1)
    assert not recompute.bring_up_to_date(personas.branch_group_a, parse(key))


@pytest.mark.django_db
def test_an_event_elsewhere_leaves_a_subtree_current(personas: Personas, course: Any) -> None:
    """An award in committee X does not make general branch A's quarter out of date (A's own month row
    did not change); one in A does."""
    _award(course, personas.member.pk, 1)
    quarter = parse("2026-Q4")
    assert recompute.bring_up_to_date(personas.branch_group_a, quarter)
    _award(course, personas.member_x.pk, 2)
    assert not recompute.bring_up_to_date(personas.branch_group_a, quarter)
    _award(course, personas.member_a2.pk, 3, hour=10)
    assert recompute.bring_up_to_date(personas.branch_group_a, quarter)
    assert OrganizationScore.objects.get(organization=personas.a2, period="2026-Q4").points == 5


@pytest.mark.django_db
def test_a_transfer_puts_the_points_where_the_member_is_now(personas: Personas, course: Any,
                                                             client_for: Any) -> None:
    """小明 moves from A1 to A2 after earning 5 points: the quarter rows, current before the transfer, are
    brought up to date at the next read: A2 has his points and both count their members."""
    _award(course, personas.member.pk, 1)
    quarter = parse("2026-Q4")
    assert recompute.bring_up_to_date(personas.branch_group_a, quarter)
    update_member(personas.member, organization=personas.a2)
    client = client_for(personas.admin_a)
    page = client.get(reverse("credits_admin:organization", args=[personas.branch_group_a.pk]) + "?period=2026-Q4")
    assert page.status_code == 200
    a1, a2 = _row(page, personas.a1.name), _row(page, personas.a2.name)
    assert a2[3] == 1 and a1[3] == 0  # who studied
    rows = {r.organization_id: r for r in OrganizationScore.objects.filter(period="2026-Q4")}
    assert rows[personas.a2.pk].points == 5 and rows[personas.a1.pk].points == 0
    assert rows[personas.a1.pk].members == personas.a1.members.filter(status="active").count()


@pytest.mark.django_db(transaction=True)
def test_a_running_recompute_does_not_hold_up_the_page(personas: Personas, course: Any, client_for: Any,
                                                       settings: Any) -> None:
    """PostgreSQL: while a recompute holds its lock, the page waits at most
    CREDITS_CATCH_UP_LOCK_TIMEOUT_SECONDS once (not again for ten seconds) and shows the rows as stored
    (200); afterwards it catches up."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock exists on PostgreSQL only (SQLite serializes writers)")
    import psycopg

    settings.CREDITS_CATCH_UP_LOCK_TIMEOUT_SECONDS = 0.2
    _award(course, personas.member.pk, 1)
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as other:
        other.execute("BEGIN")
        other.execute("SELECT pg_advisory_xact_lock(%s)", [recompute._KEY])  # a recompute running
        assert not recompute.bring_up_to_date(personas.branch_group_a, parse("2026-Q4"))
        page = client_for(personas.admin_a).get(
            reverse("credits_admin:organization", args=[personas.branch_group_a.pk]) + "?period=2026-Q4")
        assert page.status_code == 200
        assert _row(page, personas.a1.name)[3] == 0  # not yet
        other.execute("ROLLBACK")
    assert not recompute.bring_up_to_date(personas.branch_group_a, parse("2026-Q4"))  # not tried again at once
    recompute._busy_until[0] = 0.0  # ten seconds later
    assert recompute.bring_up_to_date(personas.branch_group_a, parse("2026-Q4"))
    assert OrganizationScore.objects.get(organization=personas.a1, period="2026-Q4").points == 5


@pytest.mark.django_db
def test_an_earlier_month_counted_elsewhere_marks_the_longer_period_out_of_date(personas: Personas,
                                                                               course: Any) -> None:
    """小明 moved from A1 to A2 on 1 December; a course he finished on 20 November is awarded now. November
    counts him in A1 (its rows get the points), the quarter counts him in A2 — whose month rows did not
    change — so the award marks A2's chain out of date and A2's quarter shows the points at the next read."""
    from school.services.members import do_transfer_member

    do_transfer_member(personas.member, personas.a2, effective_on=dt.date(2026, 12, 1))
    quarter = parse("2026-Q4")
    recompute.bring_up_to_date(personas.a2, quarter)
    assert not recompute.bring_up_to_date(personas.a2, quarter)
    course.complete("course", personas.member.pk, 7)
    assert post_credit(personas.member.pk, "course", 7, at(dt.date(2026, 11, 20)))
    assert OrganizationScore.objects.get(organization=personas.a1, period="2026-11").points == 5
    assert not OrganizationScore.objects.filter(organization=personas.a2, period__in=["2026-11", "2026-12"]).exists()
    assert recompute.bring_up_to_date(personas.a2, quarter)
    row = OrganizationScore.objects.get(organization=personas.a2, period="2026-Q4")
    assert (row.points, row.participants) == (5, 1)
