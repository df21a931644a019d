from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from exams import signals
from exams.models import Answer, Attempt, Exam, Question, QuestionVersion
from exams.services import (
    ExamError,
    do_save_answer,
    do_start_attempt,
    do_submit_attempt,
    draw_paper,
    normalize_text,
    publish_exam,
    sweep_expired_attempts,
)
from exams.services.grading import grade, to_displayed

from .builders import fill_bank, make_bank, make_exam, make_question

pytestmark = pytest.mark.django_db


def correct_response(attempt: Attempt, item: dict) -> object:
    version = QuestionVersion.objects.get(pk=item["v"])
    if version.qtype == "fill":
        return [alts[0] for alts in version.answer]
    letters = to_displayed(version.answer, item["p"])
    return letters if version.qtype == "multiple" else letters[0]


def test_it_normalizes_fill_answers_width_space_and_case() -> None:
    assert normalize_text(" ＡＢ c\u3000") == normalize_text("abC")


def test_it_grades_fill_blanks_with_alternatives(personas) -> None:
    bank = make_bank(personas.trainer)
    v = make_question(bank, "fill").current_version
    assert v is not None
    assert grade(v, ["全心全意 为人民服务", "ａｂｃ"], [], Decimal(4), "all") == (Decimal(4), True)
    assert grade(v, ["为人民服务", "x"], [], Decimal(4), "all") == (Decimal(2), False)


def test_it_grades_multiple_choice_by_policy(personas) -> None:
    bank = make_bank(personas.trainer)
    v = make_question(bank, "multiple").current_version  # answer A, C
    assert v is not None
    assert grade(v, ["A", "C"], [], Decimal(4), "all") == (Decimal(4), True)
    assert grade(v, ["A"], [], Decimal(4), "all")[0] == 0
    assert grade(v, ["A"], [], Decimal(4), "half")[0] == Decimal(2)
    assert grade(v, ["A"], [], Decimal(4), "proportional")[0] == Decimal(2)
    assert grade(v, ["A", "B"], [], Decimal(4), "proportional")[0] == 0
    # permutation: displayed A is original index 2
    assert grade(v, ["A", "B"], [2, 0, 1, 3], Decimal(4), "all") == (Decimal(4), True)


def test_it_keeps_drawn_papers_on_their_version_when_a_question_is_edited(personas) -> None:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank)
    attempt, _ = do_start_attempt(personas.member, exam)
    q = Question.objects.get(pk=attempt.paper[0]["q"])
    old_version = attempt.paper[0]["v"]
    q.stem = "修改后的题干"
    q.save()
    q.refresh_from_db()
    assert q.current_version_id != old_version
    assert QuestionVersion.objects.get(pk=old_version).stem != "修改后的题干"
    attempt.refresh_from_db()
    assert attempt.paper[0]["v"] == old_version


def test_it_refuses_to_publish_with_a_precise_message(personas) -> None:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 12, difficulty=4, tags=("党章",))
    fill_bank(bank, "single", 30, difficulty=2, start=100)
    exam = make_exam(personas.trainer, bank, publish=False, sections=[
        {"qtype": "judge", "count": 0, "points": Decimal(1)},
        {"qtype": "single", "count": 20, "difficulty_min": 4, "difficulty_max": 4, "tags": ("党章",),
         "points": Decimal(1)},
    ])
    exam.sections.filter(order=0).update(count=1, qtype="single")
    with pytest.raises(ExamError) as err:
        publish_exam(exam)
    assert "第2部分需要20道难度4、标签为党章的单选题，题库中只有12道" in err.value.message
    exam.refresh_from_db()
    assert exam.status == Exam.Status.DRAFT


def test_it_draws_reproducibly_from_the_seed_and_stratifies(personas) -> None:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 30, difficulty=2)
    fill_bank(bank, "single", 30, difficulty=4, start=100)
    fill_bank(bank, "judge", 10, start=200)
    exam = make_exam(personas.trainer, bank, sections=[
        {"qtype": "single", "count": 10, "difficulty_min": 2, "difficulty_max": 4, "points": Decimal(2)},
        {"qtype": "judge", "count": 5, "points": Decimal(1)},
    ])
    p1, p2 = draw_paper(exam, 42), draw_paper(exam, 42)
    assert p1 == p2
    assert draw_paper(exam, 43) != p1
    assert [item["s"] for item in p1] == [0] * 10 + [1] * 5
    diffs = [Question.objects.get(pk=item["q"]).difficulty for item in p1[:10]]
    assert diffs.count(2) == 5 and diffs.count(4) == 5
    assert len({item["q"] for item in p1}) == 15


def test_it_prefers_least_used_questions(personas) -> None:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 10)
    exam = make_exam(personas.trainer, bank, attempts_allowed=0)
    seen: set[int] = set()
    for _ in range(2):
        attempt, _created = do_start_attempt(personas.member, exam)
        seen |= {item["q"] for item in attempt.paper}
        do_submit_attempt(attempt.pk)
    assert len(seen) == 10  # the second paper took the 5 unused questions
    assert set(Question.objects.values_list("usage_count", flat=True)) == {1}


def test_it_grades_a_full_attempt_and_sends_signals_on_commit(personas, django_capture_on_commit_callbacks) -> None:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank, pass_mark=Decimal(6))
    attempt, created = do_start_attempt(personas.member, exam)
    assert created
    for item in attempt.paper[:4]:
        do_save_answer(attempt, item["v"], correct_response(attempt, item))
    received = []
    signals.attempt_passed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t1")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            attempt, graded = do_submit_attempt(attempt.pk)
    finally:
        signals.attempt_passed.disconnect(dispatch_uid="t1")
    assert graded and attempt.score == Decimal(8) and attempt.passed
    assert attempt.section_scores[0]["score"] == "8.00"
    assert received and received[0]["attempt_id"] == attempt.pk and received[0]["score"] == Decimal(8)
    again, graded_again = do_submit_attempt(attempt.pk)
    assert not graded_again and again.score == Decimal(8)
    assert Answer.objects.filter(attempt=attempt).count() == 5


def test_it_enforces_the_attempt_limit_and_resumes_the_open_attempt(personas) -> None:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank, attempts_allowed=1)
    a1, c1 = do_start_attempt(personas.member, exam)
    a2, c2 = do_start_attempt(personas.member, exam)
    assert c1 and not c2 and a1.pk == a2.pk
    do_submit_attempt(a1.pk)
    with pytest.raises(ExamError) as err:
        do_start_attempt(personas.member, exam)
    assert err.value.code == "no_attempts_left"
    assert Attempt.objects.count() == 1


def test_it_refuses_starts_outside_window_and_target(personas) -> None:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    later = make_exam(personas.trainer, bank, opens_at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(ExamError):
        do_start_attempt(personas.member, later)
    targeted = make_exam(personas.trainer, bank, targets=[personas.branch_group_a])
    with pytest.raises(ExamError) as err:
        do_start_attempt(personas.member_x, targeted)
    assert err.value.status == 403
    do_start_attempt(personas.member_a2, targeted)
    probationary = make_exam(personas.trainer, bank, target_statuses=["probationary"])
    with pytest.raises(ExamError):
        do_start_attempt(personas.member, probationary)
    assert Attempt.objects.count() == 1


def test_it_refuses_late_answers_and_sweeps_expired_attempts_twice_safely(personas) -> None:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank, time_limit_minutes=10)
    attempt, _ = do_start_attempt(personas.member, exam)
    item = attempt.paper[0]
    do_save_answer(attempt, item["v"], correct_response(attempt, item))
    late = attempt.deadline + dt.timedelta(minutes=1)
    with pytest.raises(ExamError) as err:
        do_save_answer(attempt, attempt.paper[1]["v"], "A", now=late)
    assert err.value.code == "time_up"
    with pytest.raises(ExamError):
        do_submit_attempt(attempt.pk, now=late)
    assert sweep_expired_attempts(now=late) == 1
    assert sweep_expired_attempts(now=late) == 0
    attempt.refresh_from_db()
    assert attempt.auto_submitted and attempt.score == Decimal(2)
    assert Answer.objects.filter(attempt=attempt).count() == 5
