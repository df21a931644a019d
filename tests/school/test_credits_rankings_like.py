"""Rankings compare like with like (one kind of organization at a time), organizations without members
are listed as 无党员 and never ranked, the tie-break is stated, every statistics page and export says
when its data was updated (数据更新于), and the drill-down names the member."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from school.credits.models import OrganizationScore
from school.credits.services import post_credit
from school.services.members import update_member
from tests.factories import Personas, make_member, make_org

from .builders import at, fake_sources, make_rule

PERIOD = "2026-11"


@pytest.fixture
def studied(personas: Personas) -> Personas:
    """Branches A1 (小明, studied) and A2 (小红, not), an empty 党小组 under A1; no recompute ever ran."""
    make_org(personas.a1, "空党小组", "TA1G", "group")
    make_rule("course", "course", points="5")
    with fake_sources() as fake:
        fake.complete("course", personas.member.pk, 1)
        post_credit(personas.member.pk, "course", 1, at(dt.date(2026, 11, 5), 9))
    return personas


def _ranking(client: Any, org: Any, query: str = "") -> Any:
    return client.get(reverse("credits_admin:organization_ranking", args=[org.pk]) + f"?period={PERIOD}{query}")


@pytest.mark.django_db
def test_it_ranks_branches_with_branches_and_never_ranks_empty_organizations(
        studied: Personas, client_for: Any) -> None:
    client = client_for(studied.superuser)
    response = _ranking(client, studied.district)
    assert response.status_code == 200
    rows = response.context["table"].rows
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, "第一党支部", "党支部"), (2, "第二党支部", "党支部")]
    html = response.content.decode()
    assert "机关党总支" not in [r[1] for r in rows] and "同一名次内按组织树顺序列出" in html
    groups = _ranking(client, studied.district, "&kind=group").context["table"].rows
    assert [(r[0], r[1], r[3]) for r in groups] == [("无党员", "空党小组", 0)]
    general = _ranking(client, studied.district, "&kind=general_branch").context["table"].rows
    assert [(r[0], r[1]) for r in general] == [(1, "机关党总支")]
    bad = _ranking(client, studied.district, "&kind=nonsense")
    assert bad.status_code == 400 and "未知的组织类别" in bad.content.decode()


@pytest.mark.django_db
def test_it_says_when_the_data_was_updated_on_pages_and_exports(studied: Personas, client_for: Any) -> None:
    client = client_for(studied.admin_a)
    row = OrganizationScore.objects.get(organization=studied.branch_group_a, period=PERIOD)
    assert row.updated_at is not None
    stamp = f"数据更新于 {row.updated_at.astimezone(dt.timezone(dt.timedelta(hours=8))):%Y-%m-%d %H:%M:%S}"
    for name in ("organization", "members", "idle", "organization_ranking"):
        url = reverse(f"credits_admin:{name}", args=[studied.branch_group_a.pk]) + f"?period={PERIOD}"
        assert stamp in client.get(url).content.decode(), name
        sheets = load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content)).worksheets
        assert sheets[1].title == "说明" and stamp in [r[0] for r in sheets[1].iter_rows(values_only=True)], name
    untouched = reverse("credits_admin:organization", args=[studied.x1.pk]) + f"?period={PERIOD}"
    assert "数据尚未计算" in client_for(studied.superuser).get(untouched).content.decode()


@pytest.mark.django_db
def test_it_names_the_member_at_the_end_of_the_drill_down(studied: Personas, client_for: Any) -> None:
    client = client_for(studied.admin_a)
    html = client.get(reverse("credits_admin:member", args=[studied.member.pk]) + f"?period={PERIOD}").content.decode()
    crumb = html.split('aria-label="面包屑"')[1].split("</nav>")[0] if 'aria-label="面包屑"' in html else \
        html.split("<nav")[1].split("</nav>")[0]
    assert "<strong>小明</strong>" in crumb and crumb.count("第一党支部") == 1


@pytest.mark.django_db
def test_it_counts_a_transfer_everywhere_at_once(studied: Personas, client_for: Any) -> None:
    """No recompute: a member moved from A1 to A2 from the first day of the period and a new member of A2
    count in A2 on every page."""
    client = client_for(studied.admin_a)
    update_member(studied.member, organization=studied.a2, effective_on=dt.date(2026, 11, 1))
    make_member(studied.a2, "xinren", "新人")

    def counts(org: Any) -> set[int]:
        seen = set()
        overview = client.get(reverse("credits_admin:organization", args=[studied.branch_group_a.pk])
                              + f"?period={PERIOD}").context["table"].rows
        seen.add(next(r[2] for r in overview if r[1] == org.name))
        ranking = _ranking(client, studied.branch_group_a).context["table"].rows
        seen.add(next(r[3] for r in ranking if r[1] == org.name))
        page = client.get(reverse("credits_admin:organization", args=[org.pk]) + f"?period={PERIOD}")
        seen.add(page.context["score"].members if page.context["score"] else 0)
        return seen

    assert counts(studied.a2) == {3}
    assert counts(studied.a1) == {0}
    a2 = OrganizationScore.objects.get(organization=studied.a2, period=PERIOD)
    assert (a2.participants, a2.points) == (1, 5)


@pytest.mark.django_db
def test_it_gives_every_chart_its_table_and_says_when_a_chart_has_no_data(studied: Personas, client_for: Any) -> None:
    """The committee administrator opens 机关党总支's statistics: under each chart one click (a 查看数据表
    disclosure) shows the numbers it is drawn from; the charts without data (no exam, no study task)
    say 暂无数据 instead of an empty frame, and so do their tables."""
    response = client_for(studied.admin_a).get(
        reverse("credits_admin:organization", args=[studied.branch_group_a.pk]) + f"?period={PERIOD}")
    html = response.content.decode()
    charts = response.context["charts"]
    assert [c["empty"] for c in charts] == [False, False, False, True, True]
    for index, chart in enumerate(charts):
        block = html.split(f'data-chart-table="{index}"')[1].split("</details>")[0]
        assert f"查看数据表（{chart['title']}）" in block
        if chart["empty"]:
            assert f"{chart['title']}：暂无数据" in html and "暂无数据" in block
        else:
            assert all(f"<td>{label}</td>" in block for label in chart["labels"]), chart["title"]
    trend = html.split('data-chart-table="0"')[1].split("</details>")[0]
    assert "<th scope=\"col\">月份</th>" in trend and "<td>2026-11</td><td>50.0</td>" in trend  # 小明 of 小明 and 小红
    nothing = client_for(studied.superuser).get(
        reverse("credits_admin:organization", args=[studied.x1.pk]) + f"?period={PERIOD}")
    assert nothing.context["charts"][0]["empty"] and "参学趋势：暂无数据" in nothing.content.decode()


@pytest.mark.django_db
def test_it_states_the_tie_break_of_member_rankings_and_when_they_were_updated(
        studied: Personas, client_for: Any) -> None:
    """小明 and 小红 of 机关党总支: the administrator's member ranking and the member's own 排行榜 say how
    equal points are ordered, and the member's 排行榜 says when its numbers were updated."""
    tie_break = "积分相同者名次并列（1、2、2、4）；同一名次内按党员登记的先后顺序列出。"
    page = client_for(studied.admin_a).get(
        reverse("credits_admin:members", args=[studied.branch_group_a.pk]) + f"?period={PERIOD}")
    assert tie_break in page.content.decode()
    sheets = load_workbook(io.BytesIO(client_for(studied.admin_a).get(
        reverse("credits_admin:members", args=[studied.branch_group_a.pk]) + f"?period={PERIOD}&format=xlsx").content))
    assert tie_break in [r[0] for r in sheets.worksheets[1].iter_rows(values_only=True)]
    with fake_sources() as fake:  # a point this month, so that the month's score rows exist
        fake.complete("course", studied.member.pk, 2)
        post_credit(studied.member.pk, "course", 2, dt.datetime.now(dt.UTC))
    board = client_for(studied.member.user).get(reverse("my_ranking")).content.decode()
    assert tie_break in board
    row = OrganizationScore.objects.get(organization=studied.a1, period=dt.datetime.now(
        dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m"))
    assert f"数据更新于 {row.updated_at.astimezone(dt.timezone(dt.timedelta(hours=8))):%Y-%m-%d %H:%M:%S}" in board
