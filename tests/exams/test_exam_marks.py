"""标记 (mark for review) is stored with the attempt on the server: a reload or another device shows the marks in
the paper and on the answer card; marking is refused like an answer outside an open attempt and changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from exams.models import Answer, Attempt, QuestionVersion
from exams.services.grading import to_displayed

from .builders import fill_bank, make_bank, make_exam

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(personas: Any) -> Any:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 4)
    return make_exam(personas.trainer, bank, targets=[personas.branch_group_a], shuffle_options=False,
                     sections=[{"qtype": "single", "count": 4, "points": Decimal(25), "title": "单选题"}])


def start(client: Client, exam: Any) -> Attempt:
    client.post(f"/exams/{exam.pk}/start/")
    return Attempt.objects.get(exam=exam)


def mark(client: Client, attempt: Attempt, question: int, on: bool = True) -> Any:
    return client.put(f"/api/v1/exams/attempts/{attempt.pk}/marks/", json.dumps({"question": question, "marked": on}),
                      content_type="application/json")


def paper_marks(html: str, attempt: Attempt) -> dict[str, list[int]]:
    ids = [item["v"] for item in attempt.paper]
    return {
        "fieldset": [v for v in ids if f'data-marked="true" id="q{v}"' in html],
        "button": [v for v in ids if f'data-mark="{v}" aria-pressed="true"' in html],
        "card": [v for v in ids if f'marked" data-goto="{v}"' in html],
    }


def test_a_mark_made_on_one_phone_shows_on_another_and_after_a_reload(personas: Any, client_for: Any,
                                                                     exam: Any) -> None:
    phone = client_for(personas.member.user)
    attempt = start(phone, exam)
    second, fourth = attempt.paper[1]["v"], attempt.paper[3]["v"]
    assert paper_marks(phone.get(f"/exams/attempts/{attempt.pk}/").content.decode(), attempt)["card"] == []

    response = mark(phone, attempt, fourth)
    assert response.status_code == 200 and response.json() == {"question": fourth, "marked": True, "marks": [fourth]}
    assert mark(phone, attempt, second).json()["marks"] == [second, fourth]  # in paper order

    tablet = client_for(personas.member.user)  # another device, its own session
    html = tablet.get(f"/exams/attempts/{attempt.pk}/").content.decode()
    assert paper_marks(html, attempt) == {"fieldset": [second, fourth], "button": [second, fourth],
                                          "card": [second, fourth]}
    assert 'id="answered-count">0<' in html  # a mark is not an answer
    api = tablet.get(f"/api/v1/exams/attempts/{attempt.pk}/").json()
    assert [q["id"] for q in api["questions"] if q["marked"]] == [second, fourth]

    assert mark(tablet, attempt, fourth, on=False).json()["marks"] == [second]
    assert paper_marks(phone.get(f"/exams/attempts/{attempt.pk}/").content.decode(), attempt)["card"] == [second]


def test_an_answer_and_a_mark_on_the_same_question_keep_each_other(personas: Any, client_for: Any, exam: Any) -> None:
    client = client_for(personas.member.user)
    attempt = start(client, exam)
    item = attempt.paper[0]
    key = to_displayed(QuestionVersion.objects.get(pk=item["v"]).answer, item["p"])[0]
    mark(client, attempt, item["v"])
    client.put(f"/api/v1/exams/attempts/{attempt.pk}/answers/", json.dumps({"question": item["v"], "response": key}),
               content_type="application/json")
    answer = Answer.objects.get(attempt=attempt, version_id=item["v"])
    assert (answer.response, answer.marked) == (key, True)
    mark(client, attempt, item["v"], on=False)
    answer.refresh_from_db()
    assert (answer.response, answer.marked) == (key, False)
    client.post(f"/exams/attempts/{attempt.pk}/submit/", {"confirmed": "1"})
    attempt.refresh_from_db()
    assert attempt.score == Decimal(25)  # marks never change the grade


def test_marking_is_refused_outside_the_members_open_attempt_and_changes_nothing(personas: Any, client_for: Any,
                                                                                exam: Any) -> None:
    client = client_for(personas.member.user)
    attempt = start(client, exam)
    first = attempt.paper[0]["v"]
    other = client_for(personas.member_a2.user)
    assert mark(other, attempt, first).status_code == 404  # someone else's attempt
    refused = mark(client, attempt, 999_999)
    assert refused.status_code == 400 and "试卷" in refused.json()["detail"]
    bad = client.put(f"/api/v1/exams/attempts/{attempt.pk}/marks/", json.dumps({"question": first}),
                     content_type="application/json")
    assert bad.status_code == 400
    assert not Answer.objects.filter(attempt=attempt).exists()
    client.post(f"/exams/attempts/{attempt.pk}/submit/", {"confirmed": "1"})
    late = mark(client, attempt, first)
    assert late.status_code == 409 and late.json()["code"] == "already_submitted"
    assert not Answer.objects.filter(attempt=attempt, marked=True).exists()
