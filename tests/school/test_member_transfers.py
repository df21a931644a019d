"""Transfers count from their date: the administrator of 机关党总支 transfers 小明 from 第一党支部 to 第二党支部
in the member form, with a 调动生效日期 (today, or a past day); the member's spells (``Membership``) follow, an
audit row says who did it and from when. A date in the future, before 小明's present spell began, the same
organization, a member already 转出, or an organization outside the administrator's scope: a Chinese message
and nothing changed. 转出 ends the spell, back to 在册 opens a new one; the member import keeps spells right."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from school.excel import import_members
from school.models import AuditEvent, Member, Membership
from school.models.members import MemberStatus
from school.services import MembershipError, do_change_member_status, do_transfer_member
from tests.factories import ON_THE_ROLL_SINCE, Personas, id_number
from tests.school.builders import MEMBER_HEADERS, workbook

pytestmark = pytest.mark.django_db


def _spells(member: Member) -> list[tuple[str, dt.date, dt.date | None]]:
    return [(s.organization.code, s.valid_from, s.valid_to)
            for s in Membership.objects.filter(member=member).select_related("organization").order_by("valid_from")]


def _form(member: Member, **changes: Any) -> dict[str, Any]:
    data = {"name": member.name, "username": member.user.username, "organization": member.organization_id,
            "political_status": member.political_status, "join_date": "", "gender": "", "ethnicity": "汉族",
            "education": "", "position": "", "phone": "", "id_number": "", "status": member.status,
            "effective_on": timezone.localdate().isoformat()}
    data.update(changes)
    return data


def test_the_administrator_transfers_a_member_from_a_past_day(personas: Personas, client_for: Any) -> None:
    member, day = personas.member, timezone.localdate() - dt.timedelta(days=40)
    url = reverse("school_admin:member_edit", args=[member.pk])
    page = client_for(personas.admin_a).get(url)
    assert page.status_code == 200 and "调动生效日期" in page.content.decode()
    response = client_for(personas.admin_a).post(url, _form(member, organization=personas.a2.pk,
                                                              effective_on=day.isoformat()))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.organization == personas.a2
    assert _spells(member) == [("TA1", ON_THE_ROLL_SINCE, day), ("TA2", day, None)]
    event = AuditEvent.objects.get(action="member_transferred", target_id=str(member.pk))
    assert event.actor == personas.admin_a and day.isoformat() in event.summary and "第二党支部" in event.summary
    assert Member.objects.in_register(personas.a1, on=day - dt.timedelta(days=1)).filter(pk=member.pk).exists()
    assert Member.objects.in_register(personas.a2, on=day).filter(pk=member.pk).exists()


@pytest.mark.parametrize(("days", "message"), [(-1, "生效日期不能晚于今天"), (365 * 20, "生效日期不能早于")])
def test_a_bad_effective_date_is_refused_in_chinese_and_changes_nothing(
        personas: Personas, client_for: Any, days: int, message: str) -> None:
    member = personas.member
    day = timezone.localdate() - dt.timedelta(days=days)
    before = _spells(member)
    response = client_for(personas.admin_a).post(reverse("school_admin:member_edit", args=[member.pk]),
                                                 _form(member, organization=personas.a2.pk, effective_on=day.isoformat()))
    assert response.status_code == 200
    assert message in response.content.decode()
    member.refresh_from_db()
    assert member.organization == personas.a1 and _spells(member) == before
    assert not AuditEvent.objects.filter(action="member_transferred").exists()


def test_an_organization_outside_the_scope_is_refused(personas: Personas, client_for: Any) -> None:
    member = personas.member
    response = client_for(personas.admin_a).post(reverse("school_admin:member_edit", args=[member.pk]),
                                                 _form(member, organization=personas.x1.pk))
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.organization == personas.a1 and _spells(member) == [("TA1", ON_THE_ROLL_SINCE, None)]


def test_the_administrator_of_another_committee_cannot_transfer_the_member(personas: Personas, client_for: Any) -> None:
    response = client_for(personas.admin_x).post(reverse("school_admin:member_edit", args=[personas.member.pk]),
                                                 _form(personas.member, organization=personas.x1.pk))
    assert response.status_code == 404
    assert _spells(personas.member) == [("TA1", ON_THE_ROLL_SINCE, None)]


def test_the_action_refuses_the_same_organization_and_a_member_transferred_out(personas: Personas) -> None:
    member = personas.member
    with pytest.raises(MembershipError, match="该党员已在第一党支部"):
        do_transfer_member(member, personas.a1)
    do_change_member_status(member, MemberStatus.TRANSFERRED, actor=personas.admin_a)
    member.refresh_from_db()
    with pytest.raises(MembershipError, match="只能调动在册党员"):
        do_transfer_member(member, personas.a2)
    member.refresh_from_db()
    assert member.organization == personas.a1


def test_leaving_the_roll_ends_the_spell_and_coming_back_opens_one(personas: Personas) -> None:
    member, today = personas.member, timezone.localdate()
    left = today - dt.timedelta(days=30)
    do_change_member_status(member, MemberStatus.TRANSFERRED, effective_on=left, actor=personas.admin_a)
    member.refresh_from_db()
    assert member.status == MemberStatus.TRANSFERRED and _spells(member) == [("TA1", ON_THE_ROLL_SINCE, left)]
    assert not Member.objects.in_register(personas.a1).filter(pk=member.pk).exists()
    assert Member.objects.in_register(personas.a1, on=left - dt.timedelta(days=1)).filter(pk=member.pk).exists()
    with pytest.raises(MembershipError, match="生效日期不能早于"):  # back before the day they left
        do_change_member_status(member, MemberStatus.ACTIVE, effective_on=left - dt.timedelta(days=1))
    do_change_member_status(member, MemberStatus.ACTIVE, effective_on=today)
    assert _spells(member) == [("TA1", ON_THE_ROLL_SINCE, left), ("TA1", today, None)]
    assert AuditEvent.objects.filter(action="member_status_changed", target_id=str(member.pk)).count() == 2


def _row(name: str, number: int, org: str, status: str = "在册") -> list[str]:
    return [name, id_number(700 + number), org, "正式党员", "男", "汉族", "大学本科", "2010-07-01", "",
            f"1391111{number:04d}", status, ""]


def test_the_member_import_opens_moves_and_ends_spells_from_today(personas: Personas) -> None:
    today = timezone.localdate()
    import_members(workbook(MEMBER_HEADERS, [_row("甲", 1, "TA1"), _row("乙", 2, "TA1")]), user=personas.admin_a)
    first, second = Member.objects.get(name="甲"), Member.objects.get(name="乙")
    assert _spells(first) == [("TA1", today, None)]
    import_members(workbook(MEMBER_HEADERS, [_row("甲", 1, "TA2"), _row("乙", 2, "TA1", "已转出")]),
                   user=personas.admin_a)
    assert _spells(first) == [("TA2", today, None)]  # the spell of TA1 began today: it covered no day
    assert _spells(second) == []


def test_the_migration_puts_every_member_on_the_roll_where_they_are_now(personas: Personas) -> None:
    """Existing members get one open spell from 1900-01-01 (past periods count them where they are now, as
    before the history existed); a member 转出 gets none."""
    from django.apps import apps

    migration = importlib.import_module("school.migrations.0020_membership_history")
    Member.objects.filter(pk=personas.member_a2.pk).update(status=MemberStatus.TRANSFERRED)
    Membership.objects.all().delete()
    migration.open_spells(apps, None)
    assert _spells(personas.member) == [("TA1", dt.date(1900, 1, 1), None)]
    assert _spells(personas.member_x) == [("X1", dt.date(1900, 1, 1), None)]
    assert _spells(personas.member_a2) == []
