"""Builders for exams tests (not a test module)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from exams.models import Exam, ExamSection, Question, QuestionBank, Tag
from exams.services import publish_exam


def make_bank(owner: Any, name: str = "党章题库") -> QuestionBank:
    return QuestionBank.objects.create(name=name, owner=owner)


QTYPE_WORDS = {"single": "单选", "multiple": "多选", "judge": "判断", "fill": "填空"}  # stems read Chinese on screens


def make_question(bank: QuestionBank, qtype: str = "single", n: int = 0, difficulty: int = 3,
                  tags: tuple[str, ...] = (), **fields: Any) -> Question:
    table: dict[str, dict[str, Any]] = {
        "single": {"options": [f"甲{n}", f"乙{n}", f"丙{n}", f"丁{n}"], "answer": [0]},
        "multiple": {"options": [f"甲{n}", f"乙{n}", f"丙{n}", f"丁{n}"], "answer": [0, 2]},
        "judge": {"options": ["正确", "错误"], "answer": [0]},
        "fill": {"options": [], "answer": [["为人民服务", "全心全意为人民服务"], ["ABC"]]},
    }
    defaults = dict(table[qtype])
    defaults.update(fields)
    q = Question(bank=bank, qtype=qtype, stem=f"{QTYPE_WORDS[qtype]}题目 {n}", difficulty=difficulty,
                 explanation=f"解析{n}", **defaults)
    q.save()
    for tag in tags:
        q.tags.add(Tag.objects.get_or_create(name=tag)[0])
    return q


def fill_bank(bank: QuestionBank, qtype: str, count: int, difficulty: int = 3, tags: tuple[str, ...] = (),
              start: int = 0) -> list[Question]:
    return [make_question(bank, qtype, start + i, difficulty, tags) for i in range(count)]


def make_exam(owner: Any, bank: QuestionBank, sections: list[dict[str, Any]] | None = None, publish: bool = True,
              targets: list[Any] | None = None, **fields: Any) -> Exam:
    fields.setdefault("pass_mark", Decimal(6))
    exam = Exam.objects.create(title=fields.pop("title", "党章知识测试"), created_by=owner, **fields)
    for order, spec in enumerate(sections or [{"qtype": "single", "count": 5, "points": Decimal(2)}]):
        tags = spec.pop("tags", ())
        section = ExamSection.objects.create(exam=exam, order=order, **spec)
        section.banks.add(bank)
        for tag in tags:
            section.tags.add(Tag.objects.get_or_create(name=tag)[0])
        section.save()  # parental many-to-many fields are written on save
    if targets:
        exam.target_organizations.set(targets)
    if publish:
        publish_exam(exam)
    return exam


def pass_exam(member: Any, exam: Exam) -> Any:
    """``member`` answers every question of a new attempt correctly and submits it; returns the attempt."""
    from exams.models import QuestionVersion
    from exams.services import do_save_answer, do_start_attempt, do_submit_attempt
    from exams.services.grading import to_displayed

    attempt, _created = do_start_attempt(member, exam)
    for item in attempt.paper:
        version = QuestionVersion.objects.get(pk=item["v"])
        do_save_answer(attempt, item["v"], to_displayed(version.answer, item["p"])[0])
    return do_submit_attempt(attempt.pk)[0]


def make_battle_modes(bank: QuestionBank, questions: int = 5, seconds: int = 10, **fields: Any) -> dict[str, Any]:
    """双人对战 and 四人赛 drawing from ``bank`` (which needs ``questions`` single-choice questions or more).
    ``seconds`` below the admin form's minimum of 3 is allowed here: tests play 1-second windows."""
    from exams.models import BattleMode
    from exams.services.battles import ensure_default_modes

    modes = {}
    for mode in ensure_default_modes():
        for name, value in {"question_count": questions, "seconds_per_question": seconds, **fields}.items():
            setattr(mode, name, value)
        mode.save()
        mode.banks.set([bank])
        modes[mode.code] = mode
    assert set(modes) == {"duel", "quad"} and BattleMode.objects.count() == 2
    return modes
