from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from exams.models import Attempt, PracticeDay, QuestionVersion
from exams.services.grading import to_displayed

from .builders import fill_bank, make_bank, make_exam

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(personas):
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 4)
    fill_bank(bank, "fill", 1, start=10)
    return make_exam(personas.trainer, bank, targets=[personas.branch_group_a], certificate_on_pass=True,
                     sections=[{"qtype": "single", "count": 4, "points": Decimal(20)},
                               {"qtype": "fill", "count": 1, "points": Decimal(20)}], pass_mark=Decimal(60))


def test_it_adds_the_exams_nav_item_for_members(personas, client_for, exam) -> None:
    page = client_for(personas.member.user).get("/").content.decode()
    assert 'data-nav="exams"' in page and "考试" in page
    assert page.index('data-nav="home"') < page.index('data-nav="exams"') < page.index('data-nav="my_study"')


def test_it_takes_an_exam_on_the_member_pages(personas, client_for, exam) -> None:
    client = client_for(personas.member.user)
    listing = client.get("/exams/").content.decode()
    assert exam.title in listing
    assert exam.title not in client_for(personas.member_x.user).get("/exams/").content.decode()
    assert client_for(personas.member_x.user).get(f"/exams/{exam.pk}/").status_code == 404
    assert client.get(f"/exams/{exam.pk}/start/").status_code == 405
    response = client.post(f"/exams/{exam.pk}/start/")
    attempt = Attempt.objects.get()
    assert response["Location"] == f"/exams/attempts/{attempt.pk}/"
    page = client.get(f"/exams/attempts/{attempt.pk}/").content.decode()
    assert "剩余时间" in page and "解析" not in page
    form: dict[str, object] = {}
    for item in attempt.paper:
        version = QuestionVersion.objects.get(pk=item["v"])
        if version.qtype == "fill":
            form[f"q_{version.pk}_0"], form[f"q_{version.pk}_1"] = "为人民服务", "abc"
        else:
            form[f"q_{version.pk}"] = to_displayed(version.answer, item["p"])[0] if item["v"] != attempt.paper[0]["v"] \
                else "D" if to_displayed(version.answer, item["p"])[0] != "D" else "C"
    response = client.post(f"/exams/attempts/{attempt.pk}/submit/", {**form, "confirmed": "1"})
    assert response["Location"] == f"/exams/attempts/{attempt.pk}/result/"
    attempt.refresh_from_db()
    assert attempt.score == Decimal(80) and attempt.passed
    result = client.get(f"/exams/attempts/{attempt.pk}/result/").content.decode()
    assert "通过" in result and "下载证书" in result and "解析" in result
    assert client_for(personas.member_a2.user).get(f"/exams/attempts/{attempt.pk}/result/").status_code == 404


def test_it_shows_an_error_when_starting_a_closed_exam(personas, client_for, exam) -> None:
    exam.closes_at = timezone.now() - dt.timedelta(minutes=1)
    exam.save()
    response = client_for(personas.member.user).post(f"/exams/{exam.pk}/start/", follow=True)
    assert "考试已结束" in response.content.decode()
    assert Attempt.objects.count() == 0


def test_it_gives_daily_practice_with_feedback_and_capped_points(personas, client_for, settings, exam) -> None:
    settings.EXAMS_PRACTICE_QUESTIONS_PER_DAY = 3
    settings.EXAMS_PRACTICE_DAILY_POINTS_CAP = 2
    client = client_for(personas.member.user)
    today = client.get("/api/v1/exams/practice/").json()
    assert len(today["questions"]) == 3 and not any("correct_answer" in q for q in today["questions"])
    assert client.get("/api/v1/exams/practice/").json()["questions"] == today["questions"]  # same all day
    for q in today["questions"]:
        version = QuestionVersion.objects.get(pk=q["id"])
        response = [a[0] for a in version.answer] if version.qtype == "fill" else to_displayed(version.answer, [])[0]
        r = client.post("/api/v1/exams/practice/", {"question": q["id"], "response": response},
                        content_type="application/json")
        assert r.status_code == 200 and r.json()["is_correct"] and "explanation" in r.json()
    again = client.post("/api/v1/exams/practice/", {"question": today["questions"][0]["id"], "response": "A"},
                        content_type="application/json")
    assert again.status_code == 409
    foreign = client.post("/api/v1/exams/practice/", {"question": 987654, "response": "A"},
                          content_type="application/json")
    assert foreign.status_code == 400 and "今天" in foreign.json()["detail"]
    day = PracticeDay.objects.get(member=personas.member)
    assert (day.answered, day.correct, day.points) == (3, 3, 2)
    page = client.get("/exams/practice/").content.decode()
    assert "回答正确" in page and '<strong id="points-today">2</strong>' in page


def test_it_always_fills_the_daily_practice_when_the_bank_has_enough(personas, settings, exam) -> None:
    """Probing by random key can hit the same question again and again; the draw must still be full."""
    import datetime as dt

    from exams.models import Question
    from exams.services.practice import practice_day

    available = Question.objects.filter(bank__use__in=["practice", "both"], is_active=True,
                                        current_version__isnull=False).count()
    settings.EXAMS_PRACTICE_QUESTIONS_PER_DAY = min(available, 8)
    for offset in range(40):
        day = practice_day(personas.member, dt.date(2026, 1, 1) + dt.timedelta(days=offset))
        assert len(set(day.version_ids)) == settings.EXAMS_PRACTICE_QUESTIONS_PER_DAY


def test_it_never_draws_daily_practice_from_exam_only_banks(personas, client_for, settings) -> None:
    import datetime as dt

    from exams.models import BankUse
    from exams.services.practice import practice_day

    exam_bank = make_bank(personas.trainer, "年度考试题库")
    exam_bank.use = BankUse.EXAM
    exam_bank.save()
    exam_questions = fill_bank(exam_bank, "single", 6)
    practice_bank = make_bank(personas.trainer, "每日一练")
    practice_bank.use = BankUse.PRACTICE
    practice_bank.save()
    fill_bank(practice_bank, "judge", 3)
    settings.EXAMS_PRACTICE_QUESTIONS_PER_DAY = 5
    exam_versions = {q.current_version_id for q in exam_questions}
    for offset in range(10):
        day = practice_day(personas.member, dt.date(2026, 3, 1) + dt.timedelta(days=offset))
        assert day.version_ids and not set(day.version_ids) & exam_versions
    today = client_for(personas.member.user).get("/api/v1/exams/practice/").json()
    assert {q["type"] for q in today["questions"]} == {"judge"}  # only the practice bank's questions
    # An exam may not draw from a practice-only bank: publishing refuses with the bank's name.
    refused = make_exam(personas.trainer, practice_bank, publish=False,
                        sections=[{"qtype": "judge", "count": 2, "points": Decimal(5)}])
    from exams.services import validate_blueprint

    assert any("每日一练" in problem for problem in validate_blueprint(refused))
    admin = client_for(personas.trainer).get(f"/admin/exams_bank/edit/{practice_bank.pk}/").content.decode()
    assert "用途" in admin and "练习（仅用于每日答题）" in admin and "两者（练习和考试）" in admin
