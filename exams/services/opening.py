"""The notification "an exam opened to you": when a published exam becomes available (published while
open, or its ``opens_at`` passed), its target members are told in one set-based send, linking to the
exam. A member is told once per exam (the notification's dedupe key); republishing after the targets
grew tells only the new members."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from school.models import Member, MemberStatus, NotificationKind, Organization
from school.services.notifications import do_notify

from ..models import Exam


def exam_recipients(exam: Exam) -> QuerySet[Member]:
    """在册 members the exam is for (``eligibility.targets_member`` as one query): the target subtrees
    (none: every member) and the target political statuses (none: all)."""
    qs = Member.objects.filter(status=MemberStatus.ACTIVE)
    paths = list(exam.target_organizations.values_list("path", flat=True))
    if paths:
        q = Q(pk__in=[])
        for path in paths:
            q |= Organization.subtree_q(path, "organization__path")
        qs = qs.filter(q)
    if exam.target_statuses:
        qs = qs.filter(political_status__in=exam.target_statuses)
    return qs


def notify_exam_opened(exam_id: int) -> int:
    """Tell the exam's members that it is open, if it is open now; returns how many were told now."""
    exam = Exam.objects.filter(pk=exam_id).first()
    if exam is None or not exam.is_open():
        return 0
    when = timezone.localtime(exam.closes_at).strftime("%Y-%m-%d %H:%M") if exam.closes_at else ""
    sent = do_notify(exam_recipients(exam).values("user_id"), kind=NotificationKind.EXAM_OPENED,
                     title=_("Exam open: %(title)s") % {"title": exam.title},
                     body=_("Open until %(when)s.") % {"when": when} if when else "",
                     url=reverse("exams:detail", args=[exam.pk]), dedupe_key=f"exam_opened:{exam.pk}")
    Exam.objects.filter(pk=exam.pk, opened_notice_sent_at__isnull=True).update(opened_notice_sent_at=timezone.now())
    return sent


def notify_opened_exams() -> int:
    """Beat: exams whose opening time has passed since publishing and whose members were not told yet.
    Each exam is claimed first (a conditional UPDATE), so two runs never both send."""
    now = timezone.now()
    due = (Exam.objects.filter(status=Exam.Status.PUBLISHED, opened_notice_sent_at__isnull=True, opens_at__lte=now)
           .exclude(closes_at__lte=now).values_list("pk", flat=True))
    sent = 0
    for exam_id in list(due):
        if Exam.objects.filter(pk=exam_id, opened_notice_sent_at__isnull=True).update(opened_notice_sent_at=now):
            sent += notify_exam_opened(exam_id)
    return sent
