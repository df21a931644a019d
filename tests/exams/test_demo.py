from __future__ import annotations

import pytest

from exams import demo as exams_demo
from exams.models import BankUse, Exam, QuestionBank
from exams.services import do_start_attempt
from exams.services.practice import practice_day
from school.demo import build_demo


@pytest.mark.django_db
def test_it_seeds_a_bank_and_a_published_exam_for_the_demo_committee() -> None:
    demo, lines = build_demo(members_per_branch=1)
    assert any("题库" in line for line in lines)
    bank = QuestionBank.objects.get(use=BankUse.EXAM)
    assert bank.questions.count() == len(exams_demo.SAMPLE)  # test settings never read shared/corpus
    exam = Exam.objects.get()
    assert exam.status == Exam.Status.PUBLISHED and exam.total_points == 100
    attempt, created = do_start_attempt(demo.members[0], exam)
    assert created and len(attempt.paper) == 10


@pytest.mark.django_db
def test_it_keeps_the_demo_practice_bank_apart_from_the_exam_bank() -> None:
    demo, _lines = build_demo(members_per_branch=1)
    practice = QuestionBank.objects.get(use=BankUse.PRACTICE)
    assert sorted(QuestionBank.objects.values_list("use", flat=True)) == ["exam", "practice"]
    exam_stems = set(QuestionBank.objects.get(use=BankUse.EXAM).questions.values_list("stem", flat=True))
    practice_stems = set(practice.questions.values_list("stem", flat=True))
    assert len(practice_stems) == len(exams_demo.PRACTICE_SAMPLE) and not exam_stems & practice_stems
    exam = Exam.objects.get()
    assert {b.pk for s in exam.sections.all() for b in s.banks.all()} == {
        QuestionBank.objects.get(use=BankUse.EXAM).pk}
    day = practice_day(demo.members[0])
    drawn = set(practice.questions.filter(current_version_id__in=day.version_ids).values_list("pk", flat=True))
    assert day.version_ids and len(drawn) == len(day.version_ids)
