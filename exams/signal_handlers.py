"""Every receiver of the exams app, connected by ``register_signal_handlers()`` from ExamsConfig.ready().

* Credits: when an attempt passes (``exams.signals.attempt_passed``, sent inside the submitting transaction),
  queue the award through the task outbox (its row commits with the attempt)
  of the ``exam`` credit source (``school.credits``, queue ``default``).
* Statistics: every graded attempt (``attempt_graded``) refreshes the member's exam metric and the pass rate
  of their organization chain (``school.credits.tasks.refresh_member_metrics_task``).
* Audit: changes to an exam after members have attempted it are audited (who changed which field,
  old → new), whatever path made them: the Wagtail exam editor with its blueprint sections, services,
  the shell.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed
from django.utils import timezone

from school import audit
from school.audit import watch_changes
from school.credits.tasks import post_credit_after_commit, refresh_metrics_after_commit
from school.models import AuditAction

from .models import Attempt, Exam, ExamSection
from .signals import attempt_graded, attempt_passed


def on_attempt_passed(sender: Any, member_id: int, exam_id: int, attempt_id: int, **kwargs: Any) -> None:
    attempt = Attempt.objects.filter(pk=attempt_id).only("submitted_at").first()
    when = attempt.submitted_at if attempt is not None and attempt.submitted_at else timezone.now()
    post_credit_after_commit(member_id, "exam", exam_id, when)


def on_attempt_graded(sender: Any, member_id: int, attempt_id: int, **kwargs: Any) -> None:
    """Every graded attempt changes the member's exams taken / passed: the pass rate follows at once."""
    attempt = Attempt.objects.filter(pk=attempt_id).only("submitted_at").first()
    when = attempt.submitted_at if attempt is not None and attempt.submitted_at else timezone.now()
    refresh_metrics_after_commit(member_id, when)


def _exam_attempted(exam: Exam) -> bool:
    return exam.pk is not None and Attempt.objects.filter(exam_id=exam.pk).exists()


def _section_attempted(section: ExamSection) -> bool:
    return Attempt.objects.filter(exam_id=section.exam_id).exists()


def _targets_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None,
                     **kwargs: Any) -> None:
    if reverse or action not in ("post_add", "post_remove", "post_clear") or not _exam_attempted(instance):
        return
    if action != "post_clear" and not pk_set:
        return
    verb = {"post_add": "增加", "post_remove": "移除", "post_clear": "清空"}[action]
    audit.record(AuditAction.EXAM_CHANGED, f"修改考试：{instance}（参考组织{verb}）", target=instance,
                 data={"target_organizations": {action: sorted(pk_set or [])}})


def register_signal_handlers() -> None:
    attempt_passed.connect(on_attempt_passed, dispatch_uid="exams_credits_attempt_passed")
    attempt_graded.connect(on_attempt_graded, dispatch_uid="exams_credits_attempt_graded")
    watch_changes(Exam, AuditAction.EXAM_CHANGED, "考试", only_if=_exam_attempted)
    watch_changes(ExamSection, AuditAction.EXAM_CHANGED, "考试题型设置", only_if=_section_attempted)
    m2m_changed.connect(_targets_changed, sender=Exam.target_organizations.through, dispatch_uid="audit-exam-targets")
