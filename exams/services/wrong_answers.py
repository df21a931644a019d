"""错题本: recording wrong answers (inside the practice and submit transactions) and 重练."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from school.models import Member

from ..models import Attempt, QuestionVersion, ReviewPolicy, WrongAnswer
from .errors import ExamError
from .grading import grade, validate_response


def record_wrong(member: Member, version: QuestionVersion, response: Any, source: str,
                 attempt: Attempt | None = None, visible_from: dt.datetime | None = None) -> None:
    """Put the question into the book (or back into it): call inside the caller's transaction."""
    updated = WrongAnswer.objects.filter(member=member, question_id=version.question_id).update(
        version=version, source=source, attempt=attempt, last_response=response, last_correct=False,
        wrong_count=F("wrong_count") + 1, streak=0, cleared_at=None, visible_from=visible_from,
        updated_at=timezone.now())
    if not updated:
        WrongAnswer.objects.create(member=member, question_id=version.question_id, version=version, source=source,
                                   attempt=attempt, last_response=response, visible_from=visible_from)


def record_right(member: Member, version: QuestionVersion, response: Any, now: dt.datetime | None = None) -> None:
    """A correct answer to a question in the book: one more in a row; enough in a row and it leaves."""
    now = now or timezone.now()
    open_entries = WrongAnswer.objects.filter(member=member, question_id=version.question_id, cleared_at__isnull=True)
    open_entries.update(streak=F("streak") + 1, last_response=response, last_correct=True, updated_at=now)
    open_entries.filter(streak__gte=settings.EXAMS_WRONG_BOOK_CLEAR_AFTER).update(cleared_at=now)


def record_attempt(attempt: Attempt, answers: list[Any]) -> None:
    """After grading (inside do_submit_attempt's transaction): the wrongly answered questions go into the
    book when the exam's review setting shows answers, at once or when the exam closes."""
    exam = attempt.exam
    if exam.review_policy == ReviewPolicy.NEVER:
        return
    visible_from = exam.closes_at if exam.review_policy == ReviewPolicy.AFTER_CLOSE else None
    if exam.review_policy == ReviewPolicy.AFTER_CLOSE and exam.closes_at is None:
        return  # answers are never shown, so neither is the book entry
    versions = QuestionVersion.objects.in_bulk([a.version_id for a in answers])
    for answer in answers:
        if answer.is_correct or answer.response in (None, "", []):
            continue
        record_wrong(attempt.member, versions[answer.version_id], answer.response, WrongAnswer.Source.EXAM,
                     attempt=attempt, visible_from=visible_from)


def book(member: Member, now: dt.datetime | None = None) -> QuerySet[WrongAnswer]:
    """The member's open entries they may see now."""
    now = now or timezone.now()
    return (WrongAnswer.objects.filter(member=member, cleared_at__isnull=True)
            .filter(Q(visible_from__isnull=True) | Q(visible_from__lte=now))
            .select_related("version", "question__bank"))


def do_repractise(member: Member, entry_id: int, response: Any) -> tuple[WrongAnswer, bool]:
    """重练 one entry of the book: grade against the question's current version."""
    entry = book(member).filter(pk=entry_id).select_related("question__current_version").first()
    if entry is None:
        raise ExamError(_("This question is not in your wrong-answer book."), "not_in_book", status=404)
    version = entry.question.current_version or entry.version
    canonical = validate_response(version, response)
    _points, correct = grade(version, canonical, [], Decimal(1), "all")
    with transaction.atomic():
        if correct:
            record_right(member, version, canonical)
        else:
            record_wrong(member, version, canonical, entry.source, attempt=entry.attempt)
    entry.refresh_from_db()
    return entry, correct
