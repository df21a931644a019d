from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from school.credits.services import post_credit
from tests.factories import Personas

from .builders import assert_rows_show, at, fake_sources, make_rule

PERIOD = "2026-11"


@pytest.fixture
def studied(personas: Personas) -> Personas:
    make_rule("course", "course", points="5")
    make_rule("video", "lesson", points="2", daily_cap="3")
    with fake_sources() as fake:
        for member in (personas.member, personas.member_x):
            for source in (1, 2):
                fake.complete("course", member.pk, source)
                fake.complete("lesson", member.pk, source)
                post_credit(member.pk, "course", source, at(dt.date(2026, 11, 5), 9 + source))
                post_credit(member.pk, "lesson", source, at(dt.date(2026, 11, 5), 9 + source))
    call_command("recompute_scores", f"--period={PERIOD}")
    return personas


def _xlsx_rows(response: Any) -> list[list[Any]]:
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _export_matches_screen(client: Any, url: str) -> list[list[Any]]:
    page = client.get(url)
    assert page.status_code == 200
    table = page.context["table"]
    export = client.get(url + "&format=xlsx")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _xlsx_rows(export)
    assert rows[0] == [c.header for c in table.columns]
    assert_rows_show(rows[1:], table.rows)  # rates, averages and times typed as numbers and dates
    html = page.content.decode()
    for row in table.rows[:20]:
        assert str(row[1 if table.key != "idle" else 0]) in html
    return table.rows


@pytest.mark.django_db
def test_it_renders_the_statistics_page_with_charts(studied: Personas, client_for: Any) -> None:
    client = client_for(studied.admin_a)
    response = client.get(reverse("credits_admin:organization", args=[studied.branch_group_a.pk]) + f"?period={PERIOD}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "vendor/echarts/echarts.min.js" in html and "credits-chart-data" in html
    assert "参学率" in html and "第一党支部" in html
    assert "小明" in html  # top members of the subtree
    titles = [c["title"] for c in response.context["charts"]]
    assert titles[:2] == ["参学趋势", "积分分布"]


@pytest.mark.django_db
def test_it_drills_down_from_committee_to_ledger_rows(studied: Personas, client_for: Any) -> None:
    client = client_for(studied.superuser)
    committee = client.get(reverse("credits_admin:organization", args=[studied.district.pk]) + f"?period={PERIOD}")
    group_url = reverse("credits_admin:organization", args=[studied.branch_group_a.pk]) + f"?period={PERIOD}"
    assert group_url in committee.content.decode()  # click 1: the committee's child organization
    group = client.get(group_url)
    member_url = reverse("credits_admin:member", args=[studied.member.pk]) + f"?period={PERIOD}"
    assert member_url in group.content.decode()  # click 2: a member
    ledger = client.get(member_url)  # click 3: the ledger rows behind the number
    assert ledger.status_code == 200
    rows = ledger.context["table"].rows
    assert len(rows) == 4
    assert sum(r[5] for r in rows) == 13.0  # 5 + 5 + 2 + 1 (daily cap 3)
    assert "13" in ledger.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["organization", "members", "idle", "organization_ranking"])
def test_it_exports_exactly_the_rows_on_screen(studied: Personas, client_for: Any, name: str) -> None:
    client = client_for(studied.admin_a)
    url = reverse(f"credits_admin:{name}", args=[studied.branch_group_a.pk]) + f"?period={PERIOD}"
    rows = _export_matches_screen(client, url)
    assert rows


@pytest.mark.django_db
def test_it_exports_the_ledger_rows_on_screen(studied: Personas, client_for: Any) -> None:
    client = client_for(studied.admin_a)
    rows = _export_matches_screen(client, reverse("credits_admin:member", args=[studied.member.pk]) + f"?period={PERIOD}")
    assert len(rows) == 4


@pytest.mark.django_db
def test_it_lists_members_who_have_not_studied(studied: Personas, client_for: Any) -> None:
    response = client_for(studied.admin_a).get(
        reverse("credits_admin:idle", args=[studied.branch_group_a.pk]) + f"?period={PERIOD}")
    names = [row[0] for row in response.context["table"].rows]
    assert names == ["小红"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["organization", "members", "idle", "organization_ranking"])
def test_it_hides_another_subtree_from_an_administrator(studied: Personas, client_for: Any, name: str) -> None:
    client = client_for(studied.admin_a)
    url = reverse(f"credits_admin:{name}", args=[studied.other_committee.pk]) + f"?period={PERIOD}"
    assert client.get(url).status_code == 404
    assert client.get(url + "&format=xlsx").status_code == 404
    parent = reverse(f"credits_admin:{name}", args=[studied.district.pk]) + f"?period={PERIOD}"
    assert client.get(parent).status_code == 404  # the parent of their subtree is not theirs either


@pytest.mark.django_db
def test_it_hides_another_subtrees_member_ledger(studied: Personas, client_for: Any) -> None:
    client = client_for(studied.admin_a)
    url = reverse("credits_admin:member", args=[studied.member_x.pk]) + f"?period={PERIOD}"
    assert client.get(url).status_code == 404
    assert client.get(url + "&format=xlsx").status_code == 404


@pytest.mark.django_db
def test_it_refuses_statistics_to_members_and_bad_periods(studied: Personas, client_for: Any) -> None:
    url = reverse("credits_admin:organization", args=[studied.a1.pk])
    assert client_for(studied.member.user).get(url).status_code in (302, 403)
    response = client_for(studied.admin_a).get(url + "?period=2026-13")
    assert response.status_code == 400
    assert "无法识别的期间" in response.content.decode()
    assert client_for(studied.admin_a).post(url).status_code == 405


@pytest.mark.django_db
def test_it_shows_members_their_points_and_rank(studied: Personas, client_for: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("school.credits.views.current_month", lambda: PERIOD)
    client = client_for(studied.member.user)
    mine = client.get(reverse("my_study"))
    assert mine.status_code == 200
    html = mine.content.decode()
    assert "我的积分" in html and "13.00" in html and "1 / 1" in html
    assert "已达每日上限" in html  # the capped video shows why it counted less
    home = client.get(reverse("home")).content.decode()
    assert "我的积分" in home and "13.00" in home
