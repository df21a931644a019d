from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from school.api.schema import error_responses
from school.models import Member
from school.permissions import member_of

from ..api import serializers as s
from ..api.views import Refused
from ..models import PracticeDay, QuestionType, QuestionVersion
from ..presenters import answer_text, correct_display, displayed_options, type_label
from ..services import ExamError
from ..services.practice import do_answer_practice, practice_day


def practice_items(day: PracticeDay) -> list[dict[str, Any]]:
    versions = QuestionVersion.objects.in_bulk(day.version_ids)
    answers = {a.version_id: a for a in day.answers.all()}
    items = []
    for number, vid in enumerate(day.version_ids, start=1):
        version = versions.get(vid)
        if version is None:
            continue
        answer = answers.get(vid)
        item: dict[str, Any] = {
            "id": vid, "number": number, "type": version.qtype, "stem": version.stem,
            "options": displayed_options(version, []) if version.qtype != QuestionType.FILL else [],
            "blanks": version.blanks, "answered": answer is not None,
        }
        if answer is not None:
            item.update({"response": answer.response, "is_correct": answer.is_correct,
                         "correct_answer": correct_display(version, []), "explanation": version.explanation})
        items.append(item)
    return items


def day_summary(day: PracticeDay) -> dict[str, Any]:
    return {"date": day.date, "answered": day.answered, "correct": day.correct, "points": day.points}


def _member(request: HttpRequest) -> Member:
    member = member_of(request.user)
    if member is None:
        raise Http404
    return member


@require_GET
@login_required
def practice_page(request: HttpRequest) -> HttpResponse:
    day = practice_day(_member(request))
    items = practice_items(day)
    versions = QuestionVersion.objects.in_bulk([item["id"] for item in items])
    for item in items:
        item["type_label"] = type_label(item["type"])
        item["blank_range"] = range(item["blanks"])
        if item["answered"]:
            version = versions[item["id"]]
            item["correct_text"] = answer_text(version, [], item["correct_answer"])
            item["response_text"] = answer_text(version, [], item["response"])
    return render(request, "exams/practice.html", {"day": day, "items": items,
                                                   "cap": settings.EXAMS_PRACTICE_DAILY_POINTS_CAP})


def posted_response(request: HttpRequest) -> Any:
    """A question's answer as the practice forms post it: the blanks of a 填空题 in order, the ticked options of a
    多选题, otherwise the one chosen option."""
    qtype = request.POST.get("type", "")
    if qtype == QuestionType.FILL:
        return [v for k, v in sorted(request.POST.items()) if k.startswith("blank_")]
    if qtype == QuestionType.MULTIPLE:
        return request.POST.getlist("response")
    return request.POST.get("response", "")


@require_POST
@login_required
def practice_answer(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    vid = request.POST.get("question", "")
    response = posted_response(request)
    try:
        do_answer_practice(member, vid, response)
    except (ExamError, ValueError, QuestionVersion.DoesNotExist) as exc:
        messages.error(request, exc.message if isinstance(exc, ExamError) else _("Invalid answer."))
    return redirect(reverse("exams:practice") + f"#q{vid[:12]}")


class PracticeToday(APIView):
    def _member(self, request: Request) -> Member:
        member = member_of(request.user)
        if member is None:
            raise PermissionDenied(_("This account has no member profile."))
        return member

    @extend_schema(responses=s.PracticeTodaySerializer, summary="Today's practice questions (answers only once answered)")
    def get(self, request: Request) -> Response:
        day = practice_day(self._member(request))
        return Response({**day_summary(day), "questions": practice_items(day)})

    @extend_schema(request=s.PracticeAnswerInSerializer, responses={200: s.PracticeFeedbackSerializer,
                                                                    **error_responses(409)},
                   summary="Answer one practice question: instant feedback and explanation")
    def post(self, request: Request) -> Response:
        member = self._member(request)
        data = s.PracticeAnswerInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            answer, day = do_answer_practice(member, data.validated_data["question"], data.validated_data["response"])
        except ExamError as exc:
            raise Refused(exc) from None
        version = answer.version
        return Response({
            "question": version.pk, "is_correct": answer.is_correct, "correct_answer": correct_display(version, []),
            "explanation": version.explanation, "day": json.loads(json.dumps(day_summary(day), default=str)),
        })
