"""Playback sessions and heartbeats: one conditional UPDATE per accepted heartbeat."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from school.permissions import member_of

from .. import signals
from ..access import can_view_page
from ..models import StudyProgress
from ..progress import DURATION_SLACK, apply_span, is_number
from . import progress_sql

MAX_SEQ = 2**53


class ProgressError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


@dataclass(frozen=True)
class HeartbeatResult:
    watched_seconds: float
    credited: float
    position: float
    completed: bool
    completed_now: bool
    seek: bool
    required_seconds: float = 0.0


def max_rate(kind: str) -> float:
    if kind == "video":
        return float(getattr(settings, "COURSES_MAX_PLAYBACK_RATE", 2.0))
    return 1.0  # reading time is wall-clock time with the page visible


def _trackable(user: Any, page_id: int) -> Any:
    page = Page.objects.filter(pk=page_id).first()
    if page is None or not can_view_page(user, page):
        raise ProgressError(404, "not_found", _("This lesson does not exist or is not available to you."))
    specific = page.specific
    if not hasattr(specific, "progress_spec"):
        raise ProgressError(404, "not_found", _("This page does not record study progress."))
    return specific


def start_session(user: Any, page_id: int) -> dict[str, Any]:
    """Issue a new playback session for ``user`` on the page; any older session of theirs stops earning."""
    member = member_of(user)
    if member is None:
        raise ProgressError(403, "no_member", _("Only members record study progress."))
    page = _trackable(user, page_id)
    kind, duration, required = page.progress_spec()
    if duration <= 0:
        raise ProgressError(409, "not_ready", _("This lesson is not ready yet."))
    now = timezone.now()
    token = secrets.token_hex(16)
    with transaction.atomic():
        progress, _created = StudyProgress.objects.select_for_update().get_or_create(
            member=member, page_id=page.pk, defaults={"kind": kind})
        progress.kind, progress.duration, progress.required_seconds = kind, duration, required
        progress.session_token, progress.session_started_at = token, now
        progress.last_heartbeat_at, progress.last_seq = now, 0
        if progress.position >= duration - DURATION_SLACK:
            progress.position = 0.0  # finished last time: start again from the beginning
        progress.save()
    return {"session": token, "position": progress.position, "duration": duration, "required_seconds": required,
            "watched_seconds": progress.watched_seconds, "completed": progress.completed_at is not None,
            "intervals": progress.intervals, "kind": kind, "max_rate": max_rate(kind)}


def _number(payload: dict[str, Any], name: str, *, required: bool = True) -> float | None:
    value = payload.get(name)
    if value is None and not required:
        return None
    if not is_number(value):
        raise ProgressError(400, "invalid", _("%(name)s must be a finite number.") % {"name": name})
    number = float(value)  # type: ignore[arg-type]  # is_number checked it
    if number < 0:
        raise ProgressError(400, "invalid", _("%(name)s must not be negative.") % {"name": name})
    return number


def parse_heartbeat(payload: Any) -> tuple[str, int, float, float | None]:
    if not isinstance(payload, dict):
        raise ProgressError(400, "invalid", _("The request body must be a JSON object."))
    session = payload.get("session")
    if not isinstance(session, str) or not 1 <= len(session) <= 64:
        raise ProgressError(400, "invalid", _("session is missing."))
    seq = payload.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq < MAX_SEQ:
        raise ProgressError(400, "invalid", _("seq must be a positive whole number."))
    position = _number(payload, "position")
    start = _number(payload, "start", required=False)
    assert position is not None
    if start is not None and start > position:
        raise ProgressError(400, "invalid", _("start must not be after position."))
    return session, seq, position, start


def record_heartbeat(user: Any, page_id: int, payload: Any, *, now: dt.datetime | None = None) -> HeartbeatResult:
    """Validate, check the session and the sequence, credit what real time allows: one SELECT, one UPDATE."""
    session, seq, position, start = parse_heartbeat(payload)
    row = progress_sql.fetch(int(user.pk), page_id)
    if row is None or not row.page_live:
        if row is None and Page.objects.filter(pk=page_id, live=True).exists() and member_of(user) is not None:
            page = Page.objects.get(pk=page_id)
            if can_view_page(user, page):
                raise ProgressError(409, "no_session", _("Start the lesson before sending progress."))
        raise ProgressError(404, "not_found", _("This lesson does not exist or is not available to you."))
    if not secrets.compare_digest(session.encode(), row.session_token.encode()):
        raise ProgressError(409, "session_replaced",
                            _("This lesson is playing in another window or device; progress is recorded there."))
    if seq <= row.last_seq:
        raise ProgressError(409, "stale", _("This progress report was already received or arrived out of order."))
    if position > row.duration + DURATION_SLACK or (start is not None and start > row.duration + DURATION_SLACK):
        raise ProgressError(400, "out_of_range", _("The position is beyond the end of the lesson."))
    position = min(position, row.duration)
    span_start = min(start if start is not None else row.position, position)
    now = now or timezone.now()
    elapsed = (now - (row.last_heartbeat_at or now)).total_seconds()
    step = apply_span(row.intervals, span_start, position, elapsed, max_rate(row.kind))
    completed_now = not row.completed and step.watched >= row.required_seconds - 1e-6
    furthest = max(row.furthest_position, step.intervals[-1][1] if step.intervals else 0.0)
    if not progress_sql.update(row, intervals=step.intervals, watched=step.watched, position=position,
                               furthest=furthest, seq=seq, now=now, completed_at=now if completed_now else None):
        raise ProgressError(409, "stale", _("This progress report was already received or arrived out of order."))
    if completed_now:
        member_id = row.member_id
        transaction.on_commit(lambda: signals.lesson_completed.send(
            sender=StudyProgress, member_id=member_id, lesson_id=page_id, completed_at=now))
    return HeartbeatResult(step.watched, step.credited, position, row.completed or completed_now, completed_now,
                           step.seek, row.required_seconds)


def progress_by_page(user: Any, page_ids: list[int]) -> dict[int, StudyProgress]:
    member = member_of(user)
    if member is None or not page_ids:
        return {}
    return {p.page_id: p for p in StudyProgress.objects.filter(member=member, page_id__in=page_ids)}
