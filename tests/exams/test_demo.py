from __future__ import annotations

import pytest

from exams import demo as exams_demo
from exams.models import Exam, QuestionBank
from exams.services import do_start_attempt
from school.demo import build_demo


@pytest.mark.django_db
def test_it_seeds_a_bank_and_a_published_exam_for_the_demo_committee() -> None:
    demo, lines = build_demo(members_per_branch=1)
    assert any("题库" in line for line in lines)
    bank = QuestionBank.objects.get()
    assert bank.questions.count() == len(exams_demo.SAMPLE)  # test settings never read shared/corpus
    exam = Exam.objects.get()
    assert exam.status == Exam.Status.PUBLISHED and exam.total_points == 100
    attempt, created = do_start_attempt(demo.members[0], exam)
    assert created and len(attempt.paper) == 10
