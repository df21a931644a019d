"""错题本: wrong answers from daily practice and submitted exams (as the review setting allows), grouped
by bank, 重练, and leaving the book after EXAMS_WRONG_BOOK_CLEAR_AFTER correct answers in a row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from exams.models import Attempt, PracticeDay, QuestionVersion, ReviewPolicy, WrongAnswer
from exams.services.grading import to_displayed
from exams.services.practice import practice_day

from .builders import fill_bank, make_bank, make_exam

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(personas):
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 3)
    return bank


def _wrong_letter(version: QuestionVersion) -> str:
    right = to_displayed(version.answer, [])[0]
    return "B" if right != "B" else "C"


def test_it_puts_a_wrong_practice_answer_in_the_book_with_answer_and_explanation(personas, client_for, bank) -> None:
    client = client_for(personas.member.user)
    day = practice_day(personas.member)
    version = QuestionVersion.objects.get(pk=day.version_ids[0])
    client.post("/exams/practice/answer/", {"question": version.pk, "type": "single", "response": _wrong_letter(version)})
    entry = WrongAnswer.objects.get(member=personas.member)
    assert entry.question_id == version.question_id and entry.source == "practice" and entry.wrong_count == 1
    page = client.get("/exams/wrong-book/").content.decode()
    assert "党章题库（1）" in page and version.stem in page and f"解析：{version.explanation}" in page
    assert "<dt>正确答案</dt><dd>A</dd>" in page and "每日答题" in page
    assert version.stem not in client_for(personas.member_a2.user).get("/exams/wrong-book/").content.decode()
    assert client_for(personas.member_a2.user).get(f"/exams/wrong-book/{entry.pk}/").status_code == 404


def test_it_clears_a_question_after_two_right_answers_in_a_row(personas, client_for, bank, settings) -> None:
    settings.EXAMS_WRONG_BOOK_CLEAR_AFTER = 2
    client = client_for(personas.member.user)
    day = practice_day(personas.member)
    version = QuestionVersion.objects.get(pk=day.version_ids[0])
    client.post("/exams/practice/answer/", {"question": version.pk, "type": "single", "response": _wrong_letter(version)})
    entry = WrongAnswer.objects.get(member=personas.member)
    url = f"/exams/wrong-book/{entry.pk}/"
    assert "重练" in client.get(url).content.decode()
    response = client.post(url + "answer/", {"type": "single", "response": "A"})
    assert response["Location"] == url + "?answered=1"
    entry.refresh_from_db()
    assert entry.streak == 1 and entry.cleared_at is None
    assert "已连续答对 1 次" in client.get(url + "?answered=1").content.decode()
    client.post(url + "answer/", {"type": "single", "response": _wrong_letter(version)})  # wrong again: back to 0
    entry.refresh_from_db()
    assert entry.streak == 0 and entry.wrong_count == 2
    client.post(url + "answer/", {"type": "single", "response": "A"})
    client.post(url + "answer/", {"type": "single", "response": "A"})
    entry.refresh_from_db()
    assert entry.cleared_at is not None
    assert "已移出错题本" in client.get(url + "?answered=1").content.decode()
    assert "错题本是空的" in client.get("/exams/wrong-book/").content.decode()
    assert client.post(url + "answer/", {"type": "single", "response": "A"}).status_code == 404


def test_it_refuses_a_bad_repractice_answer_and_changes_nothing(personas, client_for, bank) -> None:
    client = client_for(personas.member.user)
    day = practice_day(personas.member)
    version = QuestionVersion.objects.get(pk=day.version_ids[0])
    client.post("/exams/practice/answer/", {"question": version.pk, "type": "single", "response": _wrong_letter(version)})
    entry = WrongAnswer.objects.get(member=personas.member)
    response = client.post(f"/exams/wrong-book/{entry.pk}/answer/", {"type": "single", "response": "Q"}, follow=True)
    assert "选项 Q 不存在。" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.streak, entry.wrong_count) == (0, 1)


def test_it_updates_todays_points_at_once_on_the_practice_page(personas, client_for, bank) -> None:
    client = client_for(personas.member.user)
    day = practice_day(personas.member)
    client.post("/exams/practice/answer/", {"question": day.version_ids[0], "type": "single", "response": "A"})
    page = client.get("/exams/practice/").content.decode()
    assert '<strong id="points-today">1</strong>' in page and "回答正确" in page
    assert PracticeDay.objects.get(pk=day.pk).points == 1
    assert "今日得 1 分" in client.get("/").content.decode()


@pytest.mark.parametrize(("policy", "closes_in", "visible_now"), [
    (ReviewPolicy.AFTER_SUBMIT, None, True), (ReviewPolicy.AFTER_CLOSE, 2, False), (ReviewPolicy.NEVER, None, False)])
def test_it_adds_exam_mistakes_as_the_review_setting_allows(personas, client_for, bank, policy, closes_in,
                                                           visible_now) -> None:
    closes_at = timezone.now() + dt.timedelta(hours=closes_in) if closes_in else None
    exam = make_exam(personas.trainer, bank, targets=[personas.branch_group_a], review_policy=policy,
                     closes_at=closes_at, shuffle_options=False,
                     sections=[{"qtype": "single", "count": 2, "points": Decimal(5)}])
    client = client_for(personas.member.user)
    client.post(f"/exams/{exam.pk}/start/")
    attempt = Attempt.objects.get()
    first, second = (QuestionVersion.objects.get(pk=item["v"]) for item in attempt.paper)
    client.post(f"/exams/attempts/{attempt.pk}/submit/",
                {f"q_{first.pk}": "A", f"q_{second.pk}": _wrong_letter(second), "confirmed": "1"})
    page = client.get("/exams/wrong-book/").content.decode()
    assert (second.stem in page) is visible_now
    assert first.stem not in page
    if policy == ReviewPolicy.AFTER_CLOSE:
        entry = WrongAnswer.objects.get()
        assert entry.visible_from == closes_at and entry.source == "exam"
        WrongAnswer.objects.filter(pk=entry.pk).update(visible_from=timezone.now() - dt.timedelta(seconds=1))
        assert second.stem in client.get("/exams/wrong-book/").content.decode()
    if policy == ReviewPolicy.NEVER:
        assert not WrongAnswer.objects.exists()
