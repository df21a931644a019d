"""One definition of "the members of an organization" (``Member.objects.in_register``: the 在册 members of
its whole subtree): a tree with a 党小组 under a branch, a transfer into that group and a transfer out of
the party organization; the count of 第一党支部 (and of 机关党总支) is the same on every page and export
that shows one — the member's home page (共 N 人) and 排行榜 (my branch), the statistics dashboard and its
export, the organization ranking and its export, the score row (incremental and recomputed), the study task's
completion page and export, and the task's notices."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from courses.services.study_tasks import create_task
from school.credits import recompute
from school.credits.models import OrganizationScore
from school.credits.periods import current_month, month_key, register_date
from school.credits.services import post_credit
from school.models import AuditEvent, Member, Membership, Notification
from school.models.members import MemberStatus
from school.services.members import do_transfer_member, update_member
from tests.courses.builders import make_course
from tests.factories import Personas, make_member, make_org

from .builders import at, fake_sources, make_rule

A1_MEMBERS = 4  # 小明, 王五 (A1), 李四 and 钱七 (its 党小组; 钱七 transferred in from A2); 赵六 transferred out
A_MEMBERS = 5  # and 小红 (A2)


@pytest.fixture
def tree(personas: Personas) -> Personas:
    group = make_org(personas.a1, "第一党小组", "TA1G", "group")
    make_member(personas.a1, "wangwu", "王五")
    make_member(group, "lisi", "李四")
    moving = make_member(personas.a2, "qianqi", "钱七")
    leaving = make_member(personas.a2, "zhaoliu", "赵六")
    make_rule("course", "course", points="5")
    now = timezone.now()
    with fake_sources() as fake:  # the score rows exist before the transfers, which they must follow
        for member in Member.objects.filter(organization__in=[personas.a1, personas.a2, group]):
            fake.complete("course", member.pk, 1)
            post_credit(member.pk, "course", 1, now)
    update_member(moving, organization=group)
    update_member(leaving, status=MemberStatus.TRANSFERRED)
    return personas


def _row(rows: Any, name: str, column: int) -> Any:
    [value] = [r[column] for r in rows if name in [str(c) for c in r]]
    return value


def _sheet_rows(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_it_counts_the_same_members_on_every_page_and_export(tree: Personas, client_for: Any) -> None:
    month = current_month()
    a1, a = tree.a1, tree.branch_group_a
    assert Member.objects.in_register(a1).count() == A1_MEMBERS
    assert Member.objects.in_register(a).count() == A_MEMBERS
    counts: dict[str, int] = {}

    # the member's home page: 本组织第 N 名（共 N 人）
    home = client_for(tree.member.user).get(reverse("home")).content.decode()
    found = re.search(r"本组织第 \d+ 名（共 (\d+) 人）", home)
    assert found, "the home page shows no 共 N 人"
    counts["home page"] = int(found.group(1))
    board = client_for(tree.member.user).get(reverse("my_ranking")).content.decode()
    found = re.search(r"我的名次：第 \d+ 名 / 共 (\d+) 人", board)
    assert found, "排行榜 shows no 共 N 人"
    counts["排行榜, my branch"] = int(found.group(1))

    admin = client_for(tree.admin_a)
    query = f"?period={month}"
    dashboard = admin.get(reverse("credits_admin:organization", args=[a.pk]) + query)
    counts["dashboard of 机关党总支, row 第一党支部"] = _row(dashboard.context["table"].rows, "第一党支部", 2)
    export = _sheet_rows(admin.get(reverse("credits_admin:organization", args=[a.pk]) + query + "&format=xlsx"))
    counts["dashboard export"] = _row(export, "第一党支部", 2)
    own = admin.get(reverse("credits_admin:organization", args=[a1.pk]) + query)
    counts["dashboard of 第一党支部"] = own.context["score"].members
    assert f"党员 {A1_MEMBERS}" in own.content.decode()

    ranking_url = reverse("credits_admin:organization_ranking", args=[a.pk]) + query
    counts["organization ranking"] = _row(admin.get(ranking_url).context["table"].rows, "第一党支部", 3)
    counts["organization ranking export"] = _row(_sheet_rows(admin.get(ranking_url + "&format=xlsx")), "第一党支部", 3)

    counts["score row (incremental)"] = OrganizationScore.objects.get(organization=a1, period=month).members
    recompute.recompute([month])
    counts["score row (recomputed)"] = OrganizationScore.objects.get(organization=a1, period=month).members

    today = timezone.localdate()
    task = create_task(title="党章学习任务", organization=a, starts_on=today, ends_on=today + dt.timedelta(days=3),
                       pages=[make_course()], created_by=tree.admin_a)
    detail = admin.get(reverse("courses_admin:task_detail", args=[task.pk]))
    counts["study task completion"] = next(r.members for r in detail.context["rows"] if r.organization == a1)
    task_export = _sheet_rows(admin.get(reverse("courses_admin:task_export", args=[task.pk])))
    counts["study task export"] = _row(task_export, "第一党支部", 2)
    told = Notification.objects.filter(kind="task_assigned", user__member__organization__path__startswith=a1.path)
    counts["task notices"] = told.count()

    assert counts == dict.fromkeys(counts, A1_MEMBERS), counts
    assert OrganizationScore.objects.get(organization=a, period=month).members == A_MEMBERS
    assert next(r.members for r in detail.context["rows"] if r.organization == a) == A_MEMBERS


@pytest.mark.django_db
def test_a_transfer_counts_from_its_date_on_every_page(personas: Personas, client_for: Any) -> None:
    """钱七 of 第二党支部 studied last month and this month; the administrator transfers him to 第一党支部 from the
    first day of this month. Last month (which ended before that day) still counts him in 第二党支部 — its
    dashboard, export, organization ranking, member ranking and score row (incremental and recomputed) —
    and this month counts him in 第一党支部, as the home page's 共 N 人 does."""
    today = timezone.localdate()
    first = today.replace(day=1)
    last_month, this_month = month_key(first - dt.timedelta(days=1)), current_month()
    moving = make_member(personas.a2, "qianqi", "钱七")
    make_rule("course", "course", points="5")
    with fake_sources() as fake:
        for source_id, day in ((1, first - dt.timedelta(days=3)), (2, first)):
            fake.complete("course", moving.pk, source_id)
            post_credit(moving.pk, "course", source_id, at(day, 9))
    do_transfer_member(moving, personas.a1, effective_on=first, actor=personas.admin_a)
    assert Membership.objects.filter(member=moving).count() == 2
    assert AuditEvent.objects.filter(action="member_transferred", target_id=str(moving.pk)).exists()

    admin = client_for(personas.admin_a)
    expected = {last_month: {"第一党支部": 1, "第二党支部": 2}, this_month: {"第一党支部": 2, "第二党支部": 1}}
    for period, by_name in expected.items():
        query = f"?period={period}"
        group = reverse("credits_admin:organization", args=[personas.branch_group_a.pk]) + query
        rows = admin.get(group).context["table"].rows
        export = _sheet_rows(admin.get(group + "&format=xlsx"))
        ranking_url = reverse("credits_admin:organization_ranking", args=[personas.branch_group_a.pk]) + query
        ranking = admin.get(ranking_url).context["table"].rows
        for org in (personas.a1, personas.a2):
            members = admin.get(reverse("credits_admin:members", args=[org.pk]) + query).context["table"].rows
            counts = {"dashboard": _row(rows, org.name, 2), "dashboard export": _row(export, org.name, 2),
                      "organization ranking": _row(ranking, org.name, 3), "member ranking": len(members),
                      "in_register": Member.objects.in_register(org, on=register_date(period)).count()}
            if row := OrganizationScore.objects.filter(organization=org, period=period).first():
                counts["score row (incremental)"] = row.members  # (none yet: the pages count the members)
            assert counts == dict.fromkeys(counts, by_name[org.name]), (period, org.name, counts)
        names = [r[1] for r in admin.get(reverse("credits_admin:members", args=[personas.a2.pk]) + query)
                 .context["table"].rows]
        assert ("钱七" in names) == (period == last_month), names
        # 组织内排名: ranked, and shown, in the branch the period counts him in
        by_branch = admin.get(reverse("credits_admin:members", args=[personas.branch_group_a.pk]) + query
                              + "&by=branch").context["table"].rows
        qianqi = next(r for r in by_branch if r[1] == "钱七")
        assert qianqi[2] == ("第二党支部" if period == last_month else "第一党支部"), qianqi
        assert qianqi[0] == 1  # the only one with points in either branch
    def score_rows() -> dict[tuple[int, str], tuple[int, Any]]:
        return {(o, p): (m, pts) for o, p, m, pts in OrganizationScore.objects.filter(
            period__in=[last_month, this_month]).values_list("organization_id", "period", "members", "points")}

    before = score_rows()
    recompute.recompute([last_month, this_month])
    after = score_rows()
    assert {key: after[key] for key in before} == before  # the recompute finds the same numbers
    last = OrganizationScore.objects.get(organization=personas.a2, period=last_month)
    assert (last.members, last.points) == (2, 5)  # 钱七's points of last month stay with 第二党支部

    home = client_for(moving.user).get(reverse("home")).content.decode()
    assert re.search(r"本组织第 \d+ 名（共 2 人）", home), "the home page counts 第一党支部 of this month"
