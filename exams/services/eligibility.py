from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from school.models import Member, MemberStatus

from ..models import Exam
from .errors import ExamError


def targets_member(exam: Exam, member: Member) -> bool:
    """No target organizations means every member; otherwise the member's organization must lie in one
    of the target subtrees. No target statuses means every status."""
    if exam.target_statuses and member.political_status not in exam.target_statuses:
        return False
    targets = list(exam.target_organizations.all())
    path = member.organization.path
    return not targets or any(path.startswith(org.path) for org in targets)


def exams_for_member(member: Member) -> QuerySet[Exam]:
    org = member.organization
    paths = [*org.ancestor_paths(), org.path]
    qs = Exam.objects.filter(status=Exam.Status.PUBLISHED).filter(
        Q(target_organizations__path__in=paths) | Q(target_organizations__isnull=True)
    ).distinct().order_by("-published_at", "-pk")
    return qs


def visible_exams(member: Member) -> list[Exam]:
    return [e for e in exams_for_member(member) if not e.target_statuses or member.political_status in e.target_statuses]


def check_can_start(exam: Exam, member: Member, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if member.status != MemberStatus.ACTIVE or not targets_member(exam, member):
        raise ExamError(_("This exam is not open to you."), "not_targeted", status=403)
    if exam.status != Exam.Status.PUBLISHED:
        raise ExamError(_("This exam is not published."), "not_published", status=403)
    if exam.opens_at and now < exam.opens_at:
        raise ExamError(_("This exam has not opened yet."), "not_open_yet", status=403)
    if exam.closes_at and now >= exam.closes_at:
        raise ExamError(_("This exam has closed."), "closed", status=403)
