"""Member pages: exam list, start, the paper (autosaved through the JSON API), submit, result."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from school.models import Member
from school.permissions import member_of

from .. import presenters, services
from ..models import Attempt, Exam, QuestionType
from ..services.eligibility import targets_member, visible_exams


def _member(request: HttpRequest) -> Member:
    member = member_of(request.user)
    if member is None:
        raise Http404
    return member


def _own_attempt(request: HttpRequest, pk: int) -> Attempt:
    return get_object_or_404(Attempt.objects.select_related("exam"), pk=pk, member=_member(request))


@require_GET
@login_required
def exam_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    exams = visible_exams(member)
    mine: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in Attempt.objects.filter(member=member, exam__in=exams).order_by("attempt_no"):
        mine[attempt.exam_id].append(attempt)
    rows = []
    for exam in exams:
        attempts = mine.get(exam.pk, [])
        rows.append({
            "exam": exam,
            "attempts": attempts,
            "open_attempt": next((a for a in attempts if a.is_open), None),
            "last": next((a for a in reversed(attempts) if not a.is_open), None),
            "can_start": exam.is_open() and (not exam.attempts_allowed or len(attempts) < exam.attempts_allowed),
        })
    return render(request, "exams/exam_list.html", {"rows": rows})


@require_GET
@login_required
def exam_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    exam = get_object_or_404(Exam, pk=pk, status=Exam.Status.PUBLISHED)
    if not targets_member(exam, member):
        raise Http404
    attempts = list(Attempt.objects.filter(member=member, exam=exam).order_by("attempt_no"))
    return render(request, "exams/exam_detail.html", {
        "exam": exam, "attempts": attempts, "sections": presenters.section_list(exam),
        "open_attempt": next((a for a in attempts if a.is_open), None),
        "can_start": exam.is_open() and (not exam.attempts_allowed or len(attempts) < exam.attempts_allowed),
    })


@require_POST
@login_required
def start(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    exam = get_object_or_404(Exam, pk=pk, status=Exam.Status.PUBLISHED)
    try:
        attempt, _created = services.do_start_attempt(member, exam)
    except services.ExamError as exc:
        messages.error(request, exc.message)
        return redirect("exams:detail", pk=exam.pk)
    return redirect("exams:attempt", pk=attempt.pk)


@require_GET
@login_required
def attempt_page(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _own_attempt(request, pk)
    if not attempt.is_open:
        return redirect("exams:result", pk=attempt.pk)
    state = presenters.attempt_state(attempt)
    sections = state["sections"]
    for question in state["questions"]:
        response = question["response"]
        question["chosen"] = [response] if isinstance(response, str) else (response or [])
        question["fill_values"] = (response or [""] * question["blanks"]) if question["type"] == "fill" else []
        question["multiple"] = question["type"] == QuestionType.MULTIPLE
        question["section_title"] = sections[question["section"]]["title"]
        question["is_answered"] = presenters.is_answered(response)
    answered = sum(1 for q in state["questions"] if q["is_answered"])
    return render(request, "exams/attempt.html", {"attempt": attempt, "state": state, "answered": answered})


def _form_response(request: HttpRequest, question: dict[str, Any]) -> Any:
    key = f"q_{question['id']}"
    if question["type"] == QuestionType.FILL:
        values = [request.POST.get(f"{key}_{i}", "") for i in range(question["blanks"])]
        return values if any(v.strip() for v in values) else None
    if question["type"] == QuestionType.MULTIPLE:
        return request.POST.getlist(key) or None
    return request.POST.get(key) or None


def _save_form(request: HttpRequest, attempt: Attempt, questions: list[dict[str, Any]]) -> bool:
    """Save the form's changed answers; True when time is up (the answers saved in time stand)."""
    for question in questions:
        response = _form_response(request, question)
        if response is not None and response != question["response"]:
            try:
                services.do_save_answer(attempt, question["id"], response)
            except services.ExamError as exc:
                if exc.code == "time_up":
                    return True
                raise
            question["response"] = response
    return services.remaining_seconds(attempt) <= 0


@require_POST
@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save what the form holds, then ask for confirmation (how many questions are unanswered) unless the
    member already confirmed; at the deadline the page's own submit (``auto``) grades what was saved."""
    attempt = _own_attempt(request, pk)
    if not attempt.is_open:
        return redirect("exams:result", pk=attempt.pk)
    try:
        questions = presenters.paper_questions(attempt)
        time_up = _save_form(request, attempt, questions)
        if not time_up and request.POST.get("confirmed") != "1":
            unanswered = [q for q in questions if not presenters.is_answered(q["response"])]
            return render(request, "exams/confirm_submit.html", {"attempt": attempt, "unanswered": unanswered,
                                                                 "total": len(questions)})
        services.do_submit_attempt(attempt.pk, auto=time_up)
    except services.ExamError as exc:
        messages.error(request, exc.message)
        return redirect("exams:attempt", pk=attempt.pk)
    return redirect("exams:result", pk=attempt.pk)


@require_GET
@login_required
def result(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _own_attempt(request, pk)
    if attempt.is_open:
        return redirect("exams:attempt", pk=attempt.pk)
    return render(request, "exams/result.html", {"attempt": attempt, "result": presenters.attempt_result(attempt)})
