from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from exams.models import Answer, Attempt, Certificate, QuestionVersion
from exams.services.grading import to_displayed

from .builders import fill_bank, make_bank, make_exam

pytestmark = pytest.mark.django_db
FORBIDDEN_KEYS = {"answer", "correct_answer", "explanation", "is_correct", "score", "passed", "points_earned",
                  "review"}


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def right(item: dict[str, Any]) -> Any:
    version = QuestionVersion.objects.get(pk=item["v"])
    if version.qtype == "fill":
        return [alts[0] for alts in version.answer]
    letters = to_displayed(version.answer, item["p"])
    return letters if version.qtype == "multiple" else letters[0]


@pytest.fixture
def exam(personas):
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 6)
    fill_bank(bank, "multiple", 3, start=50)
    fill_bank(bank, "fill", 2, start=80)
    return make_exam(personas.trainer, bank, targets=[personas.branch_group_a], certificate_on_pass=True, sections=[
        {"qtype": "single", "count": 4, "points": Decimal(2), "title": "单选"},
        {"qtype": "multiple", "count": 2, "points": Decimal(3), "title": "多选"},
        {"qtype": "fill", "count": 1, "points": Decimal(4), "title": "填空"},
    ], pass_mark=Decimal(10))


def start(client, exam) -> dict[str, Any]:
    response = client.post(f"/api/v1/exams/{exam.pk}/start/")
    assert response.status_code in (200, 201), response.content
    return response.json()


def test_it_lists_only_exams_targeting_the_member(personas, client_for, exam) -> None:
    assert [e["id"] for e in client_for(personas.member.user).get("/api/v1/exams/").json()] == [exam.pk]
    assert client_for(personas.member_x.user).get("/api/v1/exams/").json() == []
    assert client_for(None).get("/api/v1/exams/").status_code == 403


def test_it_never_sends_answer_keys_or_scores_before_submission(personas, client_for, exam) -> None:
    client = client_for(personas.member.user)
    state = start(client, exam)
    assert not _keys(state) & FORBIDDEN_KEYS
    detail = client.get(f"/api/v1/exams/attempts/{state['id']}/").json()
    assert not _keys(detail) & FORBIDDEN_KEYS
    assert len(detail["questions"]) == 7 and detail["remaining_seconds"] > 0
    assert client.get(f"/api/v1/exams/attempts/{state['id']}/result/").status_code == 409


def test_it_takes_an_exam_through_the_api_and_issues_a_certificate(personas, client_for, exam) -> None:
    client = client_for(personas.member.user)
    state = start(client, exam)
    attempt = Attempt.objects.get(pk=state["id"])
    for item in attempt.paper:
        r = client.put(f"/api/v1/exams/attempts/{attempt.pk}/answers/",
                       {"question": item["v"], "response": right(item), "seed": state["seed"]},
                       content_type="application/json")
        assert r.status_code == 200, r.content
    # resume: saved responses and the server's remaining time come back
    resumed = client.post(f"/api/v1/exams/{exam.pk}/start/")
    assert resumed.status_code == 200 and resumed.json()["id"] == attempt.pk
    paper = client.get(resumed.json()["paper_url"]).json()
    assert all(q["response"] for q in paper["questions"]) and 0 < paper["remaining_seconds"] <= 3600
    result = client.post(f"/api/v1/exams/attempts/{attempt.pk}/submit/", {}, content_type="application/json").json()
    assert result["score"] == "18.00" and result["passed"] is True
    assert [s["score"] for s in result["sections"]] == ["8.00", "6.00", "4.00"]
    assert result["review"] and result["review"][0]["correct_answer"]
    certificate = Certificate.objects.get(attempt=attempt)
    assert result["certificate"]["serial"] == certificate.serial
    pdf = client.get(result["certificate"]["download_url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client_for(personas.member_a2.user).get(result["certificate"]["download_url"]).status_code == 404
    assert client_for(personas.admin_a).get(result["certificate"]["download_url"]).status_code == 200
    assert client_for(personas.admin_x).get(result["certificate"]["download_url"]).status_code == 404
    page = client_for(None).get(result["certificate"]["verify_url"])
    assert page.status_code == 200 and "有效" in page.content.decode()
    assert personas.member.phone not in page.content.decode()


@pytest.mark.parametrize("case", ["not_on_paper", "list_for_single", "unknown_option", "string_for_multiple",
                                  "wrong_blank_count", "tampered_seed"])
def test_it_refuses_bad_answers_with_a_chinese_message(personas, client_for, exam, case) -> None:
    client = client_for(personas.member.user)
    state = start(client, exam)
    attempt = Attempt.objects.get(pk=state["id"])
    by_type = {QuestionVersion.objects.get(pk=i["v"]).qtype: i for i in attempt.paper}
    payload: dict[str, Any] = {
        "not_on_paper": {"question": 999999, "response": "A"},
        "list_for_single": {"question": by_type["single"]["v"], "response": ["A"]},
        "unknown_option": {"question": by_type["single"]["v"], "response": "Z"},
        "string_for_multiple": {"question": by_type["multiple"]["v"], "response": "A"},
        "wrong_blank_count": {"question": by_type["fill"]["v"], "response": ["x"]},
        "tampered_seed": {"question": by_type["single"]["v"], "response": "A", "seed": "12345"},
    }[case]
    r = client.put(f"/api/v1/exams/attempts/{attempt.pk}/answers/", payload, content_type="application/json")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] and any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])
    assert Answer.objects.count() == 0


def test_it_refuses_submit_after_deadline_and_double_submit(personas, client_for, exam) -> None:
    client = client_for(personas.member.user)
    state = start(client, exam)
    Attempt.objects.filter(pk=state["id"]).update(deadline=timezone.now() - dt.timedelta(minutes=5))
    r = client.post(f"/api/v1/exams/attempts/{state['id']}/submit/", content_type="application/json")
    assert r.status_code == 409 and "时间" in r.json()["detail"]
    r = client.put(f"/api/v1/exams/attempts/{state['id']}/answers/",
                   {"question": Attempt.objects.get(pk=state["id"]).paper[0]["v"], "response": "A"},
                   content_type="application/json")
    assert r.status_code == 409
    assert Attempt.objects.get(pk=state["id"]).submitted_at is None
    Attempt.objects.filter(pk=state["id"]).update(deadline=timezone.now() + dt.timedelta(minutes=5))
    assert client.post(f"/api/v1/exams/attempts/{state['id']}/submit/", content_type="application/json").status_code == 200
    submitted = Attempt.objects.get(pk=state["id"])
    again = client.post(f"/api/v1/exams/attempts/{state['id']}/submit/", content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_submitted"
    assert Attempt.objects.get(pk=state["id"]).submitted_at == submitted.submitted_at


def test_it_hides_other_members_attempts_and_refuses_outsiders(personas, client_for, exam) -> None:
    state = start(client_for(personas.member.user), exam)
    other = client_for(personas.member_a2.user)
    assert other.get(f"/api/v1/exams/attempts/{state['id']}/").status_code == 404
    assert other.post(f"/api/v1/exams/attempts/{state['id']}/submit/").status_code == 404
    assert other.put(f"/api/v1/exams/attempts/{state['id']}/answers/", {"question": 1, "response": "A"},
                     content_type="application/json").status_code == 404
    outsider = client_for(personas.member_x.user).post(f"/api/v1/exams/{exam.pk}/start/")
    assert outsider.status_code == 403 and "参考范围" in outsider.json()["detail"]
    exam.opens_at = timezone.now() + dt.timedelta(days=1)
    exam.save()
    early = other.post(f"/api/v1/exams/{exam.pk}/start/")
    assert early.status_code == 403 and "尚未开始" in early.json()["detail"]
    assert Attempt.objects.count() == 1
    assert client_for(personas.member.user).get("/api/v1/exams/attempts/1/answers/").status_code == 405


def test_it_documents_the_api(personas, client_for) -> None:
    schema = client_for(personas.superuser).get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/exams/{id}/start/" in paths and "/api/v1/exams/attempts/{id}/answers/" in paths


def test_it_answers_invalid_input_in_the_api_error_shape(personas, client_for, exam) -> None:
    client = client_for(personas.member.user)
    state = start(client, exam)
    r = client.put(f"/api/v1/exams/attempts/{state['id']}/answers/", {"response": "A"}, content_type="application/json")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "required" and body["detail"].startswith("question: ")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]) and list(body["errors"]) == ["question"]
    assert Answer.objects.count() == 0


def test_it_takes_json_bodies_only(personas, client_for, exam) -> None:
    client = client_for(personas.member.user)
    state = start(client, exam)
    item = Attempt.objects.get(pk=state["id"]).paper[0]
    r = client.put(f"/api/v1/exams/attempts/{state['id']}/answers/", f"question={item['v']}&response=A",
                   content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415 and r.json()["code"] == "unsupported_media_type"
    r = client.post(f"/api/v1/exams/attempts/{state['id']}/submit/", {"seed": state["seed"]})  # multipart
    assert r.status_code == 415
    assert Answer.objects.count() == 0 and Attempt.objects.get(pk=state["id"]).submitted_at is None
