"""JSON API of the member's exams: thin views over exams.services (documented by drf-spectacular)."""

from __future__ import annotations

from collections import defaultdict

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from school.api.schema import error_responses
from school.models import Member
from school.permissions import member_of

from .. import presenters, services
from ..models import Attempt, Exam
from ..services.eligibility import visible_exams
from . import serializers as s


class Refused(APIException):
    def __init__(self, error: services.ExamError) -> None:
        super().__init__(error.message, error.code)
        self.status_code = error.status


def require_member(request: Request) -> Member:
    member = member_of(request.user)
    if member is None:
        raise PermissionDenied(_("This account has no member profile."))
    return member


def own_attempt(request: Request, pk: int) -> Attempt:
    member = require_member(request)
    attempt = Attempt.objects.select_related("exam").filter(pk=pk, member=member).first()
    if attempt is None:
        raise Http404
    return attempt


class ExamList(APIView):
    @extend_schema(responses=s.ExamListSerializer(many=True), summary="Exams open to the current member")
    def get(self, request: Request) -> Response:
        member = require_member(request)
        exams = visible_exams(member)
        mine: dict[int, list[Attempt]] = defaultdict(list)
        for attempt in Attempt.objects.filter(member=member, exam__in=exams):
            mine[attempt.exam_id].append(attempt)
        return Response(s.ExamListSerializer(exams, many=True, context={"attempts": mine}).data)


class StartAttempt(APIView):
    @extend_schema(request=None, responses={200: s.AttemptSummarySerializer, 201: s.AttemptSummarySerializer,
                                            **error_responses(409)},
                   summary="Start an attempt (201), or get the open one back (200)")
    def post(self, request: Request, pk: int) -> Response:
        member = require_member(request)
        exam = Exam.objects.filter(pk=pk).first()
        if exam is None or exam.status != Exam.Status.PUBLISHED:
            raise Http404
        try:
            attempt, created = services.do_start_attempt(member, exam)
        except services.ExamError as exc:
            raise Refused(exc) from None
        return Response(presenters.attempt_summary(attempt), status=201 if created else 200)


class AttemptDetail(APIView):
    @extend_schema(responses=s.AttemptStateSerializer, summary="The paper, saved responses and remaining time")
    def get(self, request: Request, pk: int) -> Response:
        return Response(presenters.attempt_state(own_attempt(request, pk)))


class SaveAnswer(APIView):
    @extend_schema(request=s.AnswerInSerializer, responses={200: s.AnswerOutSerializer, **error_responses(409)},
                   summary="Autosave one answer")
    def put(self, request: Request, pk: int) -> Response:
        attempt = own_attempt(request, pk)
        data = s.AnswerInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.check_seed(attempt, data.validated_data.get("seed"))
            answer = services.do_save_answer(attempt, data.validated_data["question"],
                                             data.validated_data["response"])
        except services.ExamError as exc:
            raise Refused(exc) from None
        return Response({"question": answer.version_id, "response": answer.response, "saved_at": answer.saved_at,
                         "remaining_seconds": services.remaining_seconds(attempt)})


class MarkQuestion(APIView):
    @extend_schema(request=s.MarkInSerializer, responses={200: s.MarkOutSerializer, **error_responses(409)},
                   summary="Mark or unmark a question for review")
    def put(self, request: Request, pk: int) -> Response:
        attempt = own_attempt(request, pk)
        data = s.MarkInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.check_seed(attempt, data.validated_data.get("seed"))
            answer = services.do_mark_question(attempt, data.validated_data["question"], data.validated_data["marked"])
        except services.ExamError as exc:
            raise Refused(exc) from None
        return Response({"question": answer.version_id, "marked": answer.marked,
                         "marks": services.marked_questions(attempt)})


class SubmitAttempt(APIView):
    @extend_schema(request=s.SubmitInSerializer, responses={200: s.ResultSerializer, **error_responses(409)},
                   summary="Submit and grade")
    def post(self, request: Request, pk: int) -> Response:
        attempt = own_attempt(request, pk)
        data = s.SubmitInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.check_seed(attempt, data.validated_data.get("seed"))
            attempt, graded = services.do_submit_attempt(attempt.pk)
        except services.ExamError as exc:
            raise Refused(exc) from None
        if not graded:
            raise Refused(services.ExamError(_("This attempt has already been submitted."), "already_submitted",
                                             status=409))
        return Response(presenters.attempt_result(attempt))


class AttemptResult(APIView):
    @extend_schema(responses={200: s.ResultSerializer, **error_responses(409)},
                   summary="Score, section marks and review per policy")
    def get(self, request: Request, pk: int) -> Response:
        attempt = own_attempt(request, pk)
        if attempt.is_open:
            raise Refused(services.ExamError(_("The attempt has not been submitted yet."), "not_submitted",
                                             status=409))
        return Response(presenters.attempt_result(attempt))


