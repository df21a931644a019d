"""错题本: the member's wrong answers grouped by bank, and 重练 one at a time."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..models import QuestionType, WrongAnswer
from ..presenters import answer_text, correct_display, displayed_options, type_label
from ..services import ExamError
from ..services.wrong_answers import book, do_repractise
from .pages import _member
from .practice import posted_response


def _entry_view(entry: WrongAnswer) -> dict[str, Any]:
    version = entry.question.current_version or entry.version
    return {
        "entry": entry, "version": version, "type_label": type_label(version.qtype),
        "options": displayed_options(version, []) if version.qtype != QuestionType.FILL else [],
        "response_text": answer_text(version, [], entry.last_response),
        "correct_text": answer_text(version, [], correct_display(version, [])),
        "explanation": version.explanation, "blanks": range(version.blanks),
    }


@require_GET
@login_required
def wrong_book(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    entries = sorted(book(member).select_related("question__current_version"),
                     key=lambda e: (e.question.bank.name, -e.updated_at.timestamp()))
    groups = [{"bank": bank, "items": [_entry_view(e) for e in items]}
              for bank, items in groupby(entries, key=lambda e: e.question.bank.name)]
    return render(request, "exams/wrong_book.html", {
        "groups": groups, "count": len(entries), "clear_after": settings.EXAMS_WRONG_BOOK_CLEAR_AFTER})


@require_GET
@login_required
def wrong_practice(request: HttpRequest, pk: int) -> HttpResponse:
    """One entry to answer again; after answering (``?answered=1``) the feedback and the next entry."""
    member = _member(request)
    entry = (WrongAnswer.objects.filter(member=member, pk=pk)
             .select_related("version", "question__bank", "question__current_version").first())
    if entry is None:
        raise Http404
    answered = request.GET.get("answered") == "1"
    if entry.cleared_at is not None and not answered:
        raise Http404
    following = book(member).exclude(pk=entry.pk).order_by("-updated_at", "-id").first()
    return render(request, "exams/wrong_practice.html", {
        "item": _entry_view(entry), "answered": answered, "following": following,
        "left": book(member).count(),
    })


@require_POST
@login_required
def wrong_answer(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    response = posted_response(request)
    try:
        do_repractise(member, pk, response)
    except ExamError as exc:
        if exc.code == "not_in_book":
            raise Http404 from None
        messages.error(request, exc.message)
        return redirect("exams:wrong_practice", pk=pk)
    except ValueError:
        messages.error(request, _("Invalid answer."))
        return redirect("exams:wrong_practice", pk=pk)
    return redirect(reverse("exams:wrong_practice", args=[pk]) + "?answered=1")
