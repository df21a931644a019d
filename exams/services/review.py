"""An exam's way to publication (like a course's moderation): a trainer submits the draft for review, an
administrator whose scope covers every organization the exam is for publishes it, or returns it to the
trainer with a reason. Each step is one transaction with an audit row; who may take it is asked by the
views (``exams.admin_views.policies.may_publish_exam``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from school import audit
from school.models import AuditAction

from ..models import Exam
from .blueprint import publish_exam, validate_blueprint
from .errors import ExamError


def _locked(exam_id: int) -> Exam:
    exam = Exam.objects.select_for_update().filter(pk=exam_id).first()
    if exam is None:
        raise ExamError(_("No such exam."), "not_found", 404)
    return exam


def do_submit_exam_for_review(exam_id: int, user: Any) -> Exam:
    """Draft -> awaiting review; refused when the blueprint cannot be met (the reviewer could not publish it)."""
    with transaction.atomic():
        exam = _locked(exam_id)
        if exam.status != Exam.Status.DRAFT:
            raise ExamError(_("Only a draft can be submitted for review; this exam is %(status)s.")
                            % {"status": exam.get_status_display()}, "not_draft", 409)
        problems = validate_blueprint(exam)
        if problems:
            raise ExamError("；".join(problems), "blueprint_unmet")
        Exam.objects.filter(pk=exam.pk).update(status=Exam.Status.IN_REVIEW)
        exam.refresh_from_db()
        audit.record(AuditAction.EXAM_SUBMITTED, f"提交考试审核：{exam}", actor=user, target=exam)
    return exam


def do_publish_exam(exam_id: int, user: Any) -> Exam:
    """Awaiting review (or a draft, published by an administrator directly) -> published."""
    with transaction.atomic():
        exam = _locked(exam_id)
        if exam.status not in (Exam.Status.DRAFT, Exam.Status.IN_REVIEW):
            raise ExamError(_("This exam is %(status)s: there is nothing to publish.")
                            % {"status": exam.get_status_display()}, "not_publishable", 409)
        previous = exam.status
        exam = publish_exam(exam)
        audit.record(AuditAction.EXAM_PUBLISHED, f"发布考试：{exam}", actor=user, target=exam,
                     data={"changes": {"status": [previous, exam.status]}})
    return exam


def do_return_exam(exam_id: int, user: Any, reason: str) -> Exam:
    """Awaiting review -> draft, with the reviewer's reason (shown on the publish page and kept in the audit log)."""
    reason = reason.strip()
    if not reason:
        raise ExamError(_("Give a reason, so the trainer knows what to change."), "no_reason")
    with transaction.atomic():
        exam = _locked(exam_id)
        if exam.status != Exam.Status.IN_REVIEW:
            raise ExamError(_("Only an exam awaiting review can be returned."), "not_in_review", 409)
        Exam.objects.filter(pk=exam.pk).update(status=Exam.Status.DRAFT)
        exam.refresh_from_db()
        audit.record(AuditAction.EXAM_RETURNED, f"退回考试：{exam}：{reason}", actor=user, target=exam,
                     data={"reason": reason})
    return exam
