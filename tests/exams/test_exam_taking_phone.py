"""Taking an exam on the member pages: type labels, 判断题 as 正确/错误, the answer card, confirmation
before submitting with the number of unanswered questions, the automatic submit at the deadline and
the result page's review as the exam's review setting allows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from exams.models import Attempt, QuestionVersion, ReviewPolicy
from exams.services.grading import to_displayed

from .builders import fill_bank, make_bank, make_exam, make_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(personas):
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 2)
    for n in range(2):  # banks write 判断题 options their own way
        make_question(bank, "judge", 20 + n, options=["对", "错"], answer=[1])
    return make_exam(personas.trainer, bank, targets=[personas.branch_group_a], shuffle_options=False,
                     sections=[{"qtype": "single", "count": 2, "points": Decimal(25), "title": "单选题"},
                               {"qtype": "judge", "count": 2, "points": Decimal(25), "title": "判断题"}])


def _start(client, exam) -> Attempt:
    client.post(f"/exams/{exam.pk}/start/")
    return Attempt.objects.get(exam=exam)


def _right(attempt: Attempt) -> dict[str, str]:
    form = {}
    for item in attempt.paper:
        version = QuestionVersion.objects.get(pk=item["v"])
        form[f"q_{version.pk}"] = to_displayed(version.answer, item["p"])[0]
    return form


def test_it_labels_question_types_and_shows_judge_options_as_true_or_false(personas, client_for, exam) -> None:
    client = client_for(personas.member.user)
    attempt = _start(client, exam)
    page = client.get(f"/exams/attempts/{attempt.pk}/").content.decode()
    assert page.count('class="qtype qtype-single"') == 2 and page.count('class="qtype qtype-judge"') == 2
    assert "单选题" in page and "判断题" in page
    assert page.count('<span class="text">正确</span>') == 2 and page.count('<span class="text">错误</span>') == 2
    assert '<span class="text">对</span>' not in page
    assert 'id="answer-card"' in page and page.count('data-goto="') == 4 and "答题卡" in page
    assert page.count('data-mark="') == 4 and "标记" in page and "逐题作答" in page and "整卷浏览" in page


def test_it_asks_for_confirmation_saying_how_many_are_unanswered(personas, client_for, exam) -> None:
    client = client_for(personas.member.user)
    attempt = _start(client, exam)
    form = _right(attempt)
    two = dict(list(form.items())[:2])
    response = client.post(f"/exams/attempts/{attempt.pk}/submit/", two)
    assert response.status_code == 200
    assert "还有 2 题未作答，确定交卷吗？" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.is_open and attempt.answers.count() == 2  # what the form held is saved, nothing graded
    response = client.post(f"/exams/attempts/{attempt.pk}/submit/", {"confirmed": "1"})
    assert response["Location"] == f"/exams/attempts/{attempt.pk}/result/"
    attempt.refresh_from_db()
    assert not attempt.is_open and attempt.score == Decimal(50)


def test_it_shows_the_review_with_true_false_answers_and_explanations(personas, client_for, exam) -> None:
    client = client_for(personas.member.user)
    attempt = _start(client, exam)
    client.post(f"/exams/attempts/{attempt.pk}/submit/", {**_right(attempt), "confirmed": "1"})
    page = client.get(f"/exams/attempts/{attempt.pk}/result/").content.decode()
    assert "各部分得分" in page and "单选题" in page and "判断题" in page
    assert page.count("<dt>正确答案</dt><dd>错误</dd>") == 2  # 判断题: the answer reads 错误, not "B"
    assert "解析：解析20" in page and "解析：解析0" in page


def test_it_hides_answers_when_the_exam_shows_the_score_only(personas, client_for, exam) -> None:
    exam.review_policy = ReviewPolicy.NEVER
    exam.save()
    client = client_for(personas.member.user)
    attempt = _start(client, exam)
    client.post(f"/exams/attempts/{attempt.pk}/submit/", {**_right(attempt), "confirmed": "1"})
    page = client.get(f"/exams/attempts/{attempt.pk}/result/").content.decode()
    assert "本次考试只公布成绩" in page and "解析" not in page and "正确答案" not in page


def test_it_submits_automatically_when_time_is_up_and_says_so(personas, client_for, exam) -> None:
    client = client_for(personas.member.user)
    attempt = _start(client, exam)
    form = _right(attempt)
    first = next(iter(form))
    client.post(f"/exams/attempts/{attempt.pk}/submit/", {first: form[first]})  # autosaved in time
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    response = client.post(f"/exams/attempts/{attempt.pk}/submit/", {**form, "auto": "1"})
    assert response["Location"] == f"/exams/attempts/{attempt.pk}/result/"
    attempt.refresh_from_db()
    assert attempt.auto_submitted and attempt.score == Decimal(25)  # late answers do not count
    page = client.get(f"/exams/attempts/{attempt.pk}/result/").content.decode()
    assert "考试时间已到，系统已按截止前保存的答案自动交卷" in page


def test_it_refuses_a_bad_answer_with_a_message_and_saves_nothing(personas, client_for, exam) -> None:
    client = client_for(personas.member.user)
    attempt = _start(client, exam)
    version = attempt.paper[0]["v"]
    response = client.post(f"/exams/attempts/{attempt.pk}/submit/", {f"q_{version}": "Z"}, follow=True)
    assert "选项 Z 不存在。" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.is_open and attempt.answers.count() == 0


def test_it_lists_my_exams_with_scores_and_review_links(personas, client_for, exam) -> None:
    client = client_for(personas.member.user)
    attempt = _start(client, exam)
    client.post(f"/exams/attempts/{attempt.pk}/submit/", {**_right(attempt), "confirmed": "1"})
    page = client.get("/exams/mine/").content.decode()
    assert exam.title in page and "100" in page and "成绩与解析" in page
    assert f"/exams/attempts/{attempt.pk}/result/" in page
    assert exam.title not in client_for(personas.member_a2.user).get("/exams/mine/").content.decode()
