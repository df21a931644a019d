"""Start, autosave, submit and the sweep of expired attempts. Each change is one transaction."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from school.db import serialized_writes
from school.models import Member

from .. import signals
from ..models import Answer, Attempt, Exam, Question, QuestionVersion
from . import stats, wrong_answers
from .drawing import draw_paper
from .eligibility import check_can_start
from .errors import ExamError
from .grading import grade, validate_response


def _grace() -> dt.timedelta:
    return dt.timedelta(seconds=settings.EXAMS_DEADLINE_GRACE_SECONDS)


def remaining_seconds(attempt: Attempt, now: dt.datetime | None = None) -> int:
    if attempt.submitted_at is not None:
        return 0
    now = now or timezone.now()
    return max(0, int((attempt.deadline - now).total_seconds()))


def _limit_reached(exam: Exam, used: int) -> bool:
    return bool(exam.attempts_allowed) and used >= exam.attempts_allowed


def do_start_attempt(member: Member, exam: Exam, now: dt.datetime | None = None) -> tuple[Attempt, bool]:
    """Start an attempt, or return the member's open one (resume). Returns (attempt, created).

    Atomic against simultaneous starts: the member row is locked (PostgreSQL) or the write lock taken
    (SQLite, IMMEDIATE transactions) before counting, and unique constraints on (member, exam,
    attempt_no) and on the open attempt catch any race that slips through."""
    now = now or timezone.now()
    check_can_start(exam, member, now)
    open_attempt = Attempt.objects.filter(member=member, exam=exam, submitted_at__isnull=True).first()
    if open_attempt is not None:
        if open_attempt.deadline + _grace() > now:
            return open_attempt, False
        do_submit_attempt(open_attempt.pk, now=now, auto=True)
    # Only closed attempts count here: one opened by a simultaneous start is found again below.
    used = Attempt.objects.filter(member=member, exam=exam, submitted_at__isnull=False).count()
    if _limit_reached(exam, used):
        raise ExamError(_("You have used all your attempts at this exam."), "no_attempts_left", status=409)
    # The draw only reads: it happens before the write transaction so the lock is held briefly.
    seed = secrets.randbits(62)
    paper = draw_paper(exam, seed)
    deadline = now + dt.timedelta(minutes=exam.time_limit_minutes)
    if exam.closes_at and exam.closes_at < deadline:
        deadline = exam.closes_at
    try:
        with serialized_writes(), transaction.atomic():
            Member.objects.select_for_update().filter(pk=member.pk).values_list("pk", flat=True).first()
            mine = Attempt.objects.filter(member=member, exam=exam)
            existing = mine.filter(submitted_at__isnull=True).first()
            if existing is not None:
                return existing, False
            used = mine.count()
            if _limit_reached(exam, used):
                raise ExamError(_("You have used all your attempts at this exam."), "no_attempts_left", status=409)
            attempt = Attempt.objects.create(
                member=member, exam=exam, attempt_no=used + 1, seed=seed, paper=paper, started_at=now,
                deadline=deadline,
            )
            Question.objects.filter(pk__in=[item["q"] for item in paper]).update(usage_count=F("usage_count") + 1)
    except IntegrityError:
        existing = Attempt.objects.filter(member=member, exam=exam, submitted_at__isnull=True).first()
        if existing is None:
            raise ExamError(_("Another start of this exam is in progress; try again."), "conflict",
                            status=409) from None
        return existing, False
    return attempt, True


def paper_entry(attempt: Attempt, version_id: Any) -> dict[str, Any]:
    for item in attempt.paper:
        if str(item["v"]) == str(version_id):
            return dict(item)
    raise ExamError(_("This question is not on your paper."), "not_on_paper")


def check_seed(attempt: Attempt, seed: Any) -> None:
    """Clients echo the paper's seed; a different one means a tampered or foreign paper."""
    if seed is not None and str(seed) != str(attempt.seed):
        raise ExamError(_("The paper does not match this attempt."), "paper_mismatch")


def do_save_answer(attempt: Attempt, version_id: Any, response: Any, now: dt.datetime | None = None) -> Answer:
    now = now or timezone.now()
    entry = paper_entry(attempt, version_id)
    version = QuestionVersion.objects.get(pk=entry["v"])
    canonical = validate_response(version, response, len(entry["p"]) if entry["p"] else None)
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.submitted_at is not None:
            raise ExamError(_("This attempt has already been submitted."), "already_submitted", status=409)
        if now > locked.deadline + _grace():
            raise ExamError(_("Time is up: answers are no longer accepted."), "time_up", status=409)
        answer, _created = Answer.objects.update_or_create(
            attempt=locked, version=version, defaults={"response": canonical}
        )
    return answer


def do_mark_question(attempt: Attempt, version_id: Any, marked: bool, now: dt.datetime | None = None) -> Answer:
    """Mark (标记) or unmark a question of an open attempt for review; stored with the attempt, so another device
    or a reload shows it. Refused like an answer once the attempt is submitted or its time is up."""
    now = now or timezone.now()
    entry = paper_entry(attempt, version_id)
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.submitted_at is not None:
            raise ExamError(_("This attempt has already been submitted."), "already_submitted", status=409)
        if now > locked.deadline + _grace():
            raise ExamError(_("Time is up: answers are no longer accepted."), "time_up", status=409)
        answer, _created = Answer.objects.update_or_create(
            attempt=locked, version_id=entry["v"], defaults={"marked": bool(marked)})
    return answer


def marked_questions(attempt: Attempt) -> list[int]:
    """The question (version) ids the member marked, in paper order."""
    marked = set(attempt.answers.filter(marked=True).values_list("version_id", flat=True))
    return [item["v"] for item in attempt.paper if item["v"] in marked]


def _grade_attempt(attempt: Attempt, answers: dict[int, Answer]) -> tuple[Decimal, list[dict[str, Any]],
                                                                          list[Answer], dict[int, bool]]:
    exam = attempt.exam
    sections = list(exam.sections.order_by("order", "id"))
    versions = QuestionVersion.objects.in_bulk([item["v"] for item in attempt.paper])
    section_scores = [
        {"index": i, "title": str(s), "score": Decimal(0), "max": s.points * s.count} for i, s in enumerate(sections)
    ]
    new_answers: list[Answer] = []
    correctness: dict[int, bool] = {}
    total = Decimal(0)
    for item in attempt.paper:
        version = versions[item["v"]]
        section = sections[item["s"]]
        answer = answers.get(version.pk)
        response = answer.response if answer else None
        points, correct = grade(version, response, item["p"], section.points, exam.multiple_policy)
        correctness[version.question_id] = correct
        total += points
        section_scores[item["s"]]["score"] += points
        if answer is None:
            answer = Answer(attempt=attempt, version=version, response=None)
        answer.points, answer.is_correct = points, correct
        new_answers.append(answer)
    for s in section_scores:
        s["score"], s["max"] = str(s["score"]), str(s["max"])
    return total, section_scores, new_answers, correctness


def do_submit_attempt(attempt_id: int, now: dt.datetime | None = None, auto: bool = False) -> tuple[Attempt, bool]:
    """Grade and close the attempt. Returns (attempt, graded_now); a second submit changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("exam", "member__organization").get(
            pk=attempt_id)
        if attempt.submitted_at is not None:
            return attempt, False
        if not auto and now > attempt.deadline + _grace():
            raise ExamError(_("Time is up: the attempt will be submitted automatically with the answers saved "
                              "before the deadline."), "time_up", status=409)
        answers = {a.version_id: a for a in attempt.answers.all()}
        total, section_scores, graded, correctness = _grade_attempt(attempt, answers)
        passed = total >= attempt.exam.pass_mark
        claimed = Attempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(
            submitted_at=min(now, attempt.deadline) if auto else now, auto_submitted=auto, score=total,
            passed=passed, section_scores=section_scores,
        )
        if not claimed:
            attempt.refresh_from_db()
            return attempt, False
        Answer.objects.bulk_update([a for a in graded if a.pk], ["points", "is_correct"])
        Answer.objects.bulk_create([a for a in graded if not a.pk])
        attempt.refresh_from_db()
        wrong_answers.record_attempt(attempt, graded)
        if passed and attempt.exam.certificate_on_pass:
            from .certificates import issue_certificate

            issue_certificate(attempt)
        # Last before the commit: the statistics rows are shared by everyone taking the exam, and their
        # row locks are held until the commit (PostgreSQL), so the shorter that window the better.
        stats.record_attempt(attempt, correctness)
        payload = {"member_id": attempt.member_id, "exam_id": attempt.exam_id, "attempt_id": attempt.pk,
                   "score": total, "passed": passed}
        # Inside the transaction: the receivers write their outbox rows (the credit award) with the
        # attempt, so a process that dies right after the commit loses nothing (the flush sends them).
        signals.attempt_graded.send(sender=Attempt, **payload)
        if passed:
            signals.attempt_passed.send(sender=Attempt, **payload)
    return attempt, True


def sweep_expired_attempts(now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Submit open attempts past their deadline (plus grace). Safe to run twice or concurrently."""
    now = now or timezone.now()
    ids = list(
        Attempt.objects.filter(submitted_at__isnull=True, deadline__lt=now - _grace())
        .order_by("deadline").values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in ids:
        _attempt, graded = do_submit_attempt(pk, now=now, auto=True)
        done += int(graded)
    return done
