"""JSON API of the player: start a playback session, send heartbeats; and a no-op for clients/benchmarks."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from school.api.schema import error_responses

from ..services.progress import ProgressError, record_heartbeat, start_session
from . import serializers as s


def _error(exc: ProgressError) -> Response:
    return Response({"detail": exc.detail, "code": exc.code}, status=exc.status)


class PingView(APIView):
    """Authenticated no-op: answers ``{"ok": true}`` (clients check their session; benchmarks compare)."""

    @extend_schema(request=None, responses=s.PingSerializer)
    def post(self, request: Request) -> Response:
        return Response({"ok": True})

    @extend_schema(responses=s.PingSerializer)
    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class ProgressStartView(APIView):
    """Start (or take over) the playback session of a lesson or document; returns the resume position."""

    @extend_schema(request=None, responses={200: s.ProgressStartSerializer, **error_responses(409)})
    def post(self, request: Request, page_id: int) -> Response:
        try:
            return Response(start_session(request.user, page_id))
        except ProgressError as exc:
            return _error(exc)


class ProgressHeartbeatView(APIView):
    """``{"session", "seq", "position", "start"?}``: the span ``[start, position]`` played since the last one."""

    @extend_schema(request=s.HeartbeatInSerializer, responses={200: s.HeartbeatOutSerializer, **error_responses(409)})
    def post(self, request: Request, page_id: int) -> Response:
        try:
            payload = request.data
        except ParseError:
            return Response({"detail": _("The request body is not valid JSON."), "code": "parse_error"},
                            status=status.HTTP_400_BAD_REQUEST)
        try:
            result = record_heartbeat(request.user, page_id, payload)
        except ProgressError as exc:
            return _error(exc)
        return Response({"watched_seconds": round(result.watched_seconds, 3), "credited": round(result.credited, 3),
                         "position": result.position, "completed": result.completed, "seek": result.seek,
                         "required_seconds": round(result.required_seconds, 3), "idle": result.idle})
