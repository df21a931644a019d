from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from school import audit, outbox
from school.models import AuditAction

from ..models import Attempt, Exam, ExamSection, QuestionType
from ..models.banks import EXAM_USES
from .drawing import section_queryset
from .errors import ExamError


def _type_label(qtype: str) -> str:
    return {
        QuestionType.SINGLE: _("single-choice questions"),
        QuestionType.MULTIPLE: _("multiple-choice questions"),
        QuestionType.JUDGE: _("true/false questions"),
        QuestionType.FILL: _("fill-in-the-blank questions"),
    }[QuestionType(qtype)]


def describe_shortfall(number: int, section: ExamSection, have: int) -> str:
    """'第2部分需要20道难度4、标签为党章的单选题，题库中只有12道'."""
    conditions = []
    if (section.difficulty_min, section.difficulty_max) != (1, 5):
        level = (str(section.difficulty_min) if section.difficulty_min == section.difficulty_max
                 else f"{section.difficulty_min}–{section.difficulty_max}")
        conditions.append(_("difficulty %(level)s") % {"level": level})
    tags = [t.name for t in section.tags.all()]
    if tags:
        conditions.append(_("tagged %(tags)s") % {"tags": pgettext("blueprint tags", " or ").join(tags)})
    joined = pgettext("blueprint conditions", ", ").join(conditions)
    described = pgettext("blueprint conditions", "%(conditions)s ") % {"conditions": joined} if conditions else ""
    return _("Section %(number)d needs %(count)d %(conditions)s%(type)s; the banks have only %(have)d.") % {
        "number": number, "count": section.count, "conditions": described,
        "type": _type_label(section.qtype), "have": have,
    }


def validate_blueprint(exam: Exam) -> list[str]:
    problems: list[str] = []
    sections = list(exam.sections.prefetch_related("banks", "tags").order_by("order", "id"))
    if not sections:
        problems.append(_("The exam has no blueprint sections."))
    for number, section in enumerate(sections, start=1):
        if section.count < 1:
            problems.append(_("Section %(number)d asks for no questions.") % {"number": number})
            continue
        if not 1 <= section.difficulty_min <= section.difficulty_max <= 5:
            problems.append(_("Section %(number)d has an invalid difficulty range.") % {"number": number})
            continue
        if not section.banks.all():
            problems.append(_("Section %(number)d names no question bank.") % {"number": number})
            continue
        practice_only = [bank.name for bank in section.banks.all() if bank.use not in EXAM_USES]
        if practice_only:
            problems.append(_("Section %(number)d uses practice-only banks: %(banks)s.") % {
                "number": number, "banks": "、".join(practice_only)})
            continue
        have = section_queryset(section).count()
        if have < section.count:
            problems.append(describe_shortfall(number, section, have))
    if exam.opens_at and exam.closes_at and exam.closes_at <= exam.opens_at:
        problems.append(_("The exam closes before it opens."))
    if exam.pass_mark > exam.total_points and sections:
        problems.append(_("The pass mark is higher than the total points (%(total)s).") % {"total": exam.total_points})
    return problems


@transaction.atomic
def publish_exam(exam: Exam) -> Exam:
    problems = validate_blueprint(exam)
    if problems:
        raise ExamError("；".join(problems), "blueprint_unmet")
    previous = exam.status
    Exam.objects.filter(pk=exam.pk).update(status=Exam.Status.PUBLISHED, published_at=timezone.now())
    exam.refresh_from_db()
    from ..tasks import notify_exam_opened

    outbox.send_on_commit(notify_exam_opened, exam.pk)  # tells the members now if the exam is open now
    if Attempt.objects.filter(exam_id=exam.pk).exists():
        audit.record(AuditAction.EXAM_CHANGED, f"重新发布考试：{exam}", target=exam,
                     data={"changes": {"status": [previous, exam.status]}})
    return exam
