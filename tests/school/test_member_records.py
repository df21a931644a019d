"""A member's own records reachable from 我的学习: 积分明细 (every ledger row with its source's title and
date) and 排行榜 (own branch and own committee: top N and the member's own place)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from wagtail.models import Page

from school.credits import member_views
from school.credits.services import post_credit
from tests.exams.builders import fill_bank, make_bank, make_exam
from tests.factories import make_member

from .builders import fake_sources, make_rule

pytestmark = pytest.mark.django_db


def test_it_lists_every_ledger_row_with_its_source_title(personas, client_for) -> None:
    exam = make_exam(personas.trainer, fill_bank_and_get(personas), targets=[personas.branch_group_a],
                     title="党章知识竞赛", sections=[{"qtype": "single", "count": 1, "points": 10}])
    lesson = Page.objects.filter(depth=2).first()
    now = timezone.now()
    with fake_sources() as fake:
        make_rule("exam_pass", "exam", points="5")
        make_rule("lesson_done", "lesson", points="2")
        make_rule("practice_day", "practice", points="1")
        fake.complete("exam", personas.member.pk, exam.pk)
        fake.complete("lesson", personas.member.pk, lesson.pk)
        fake.complete("practice", personas.member.pk, 77)
        post_credit(personas.member.pk, "exam", exam.pk, now)
        post_credit(personas.member.pk, "lesson", lesson.pk, now - dt.timedelta(hours=1))
        post_credit(personas.member.pk, "practice", 77, now - dt.timedelta(hours=2))
    client = client_for(personas.member.user)
    assert 'href="/me/credits/"' in client.get("/me/").content.decode()
    page = client.get("/me/credits/").content.decode()
    assert page.count('class="card ledger-row"') == 3
    assert "党章知识竞赛" in page and lesson.title in page
    assert f"{timezone.localdate(now - dt.timedelta(hours=2)):%Y-%m-%d} 每日答题" in page
    assert "+5" in page and now.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d") in page
    assert "党章知识竞赛" not in client_for(personas.member_a2.user).get("/me/credits/").content.decode()


def fill_bank_and_get(personas):
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 1)
    return bank


def test_it_ranks_the_branch_and_the_committee_with_my_place(personas, client_for, monkeypatch) -> None:
    monkeypatch.setattr(member_views, "RANKING_TOP", 2)
    others = [make_member(personas.a1, f"a1_{i}", f"同志{i}") for i in range(3)]
    with fake_sources() as fake:
        make_rule("lesson_done", "lesson", points="3")
        for n, member in enumerate(others):
            for source in range(n + 1):
                fake.complete("lesson", member.pk, source)
                post_credit(member.pk, "lesson", source, timezone.now())
    client = client_for(personas.member.user)
    assert 'href="/me/ranking/"' in client.get("/me/").content.decode()
    page = client.get("/me/ranking/").content.decode()
    assert "我的支部 · 第一党支部" in page and "我的党委 · 中共测试区委" in page
    assert "同志2" in page and "同志1" in page and "同志0" not in page  # top 2 only
    assert "我的名次：第 4 名 / 共 4 人（0 分）" in page  # branch: three members ahead
    assert "我的名次：第 4 名 / 共 5 人（0 分）" in page  # committee: 小红 shares place 4 with 小明
    assert page.count("小明（我）") == 2
    assert client.get("/me/ranking/?period=all").status_code == 200
    assert "同志2" not in client_for(personas.member_x.user).get("/me/ranking/").content.decode()
