"""Video and reading progress, in one place: the pure engine (what a heartbeat may credit, on merged
interval sets), playback sessions and heartbeats (one SELECT and one conditional UPDATE per accepted
heartbeat, in plain SQL), and the member's progress by page. Models: ``courses/models/progress.py``;
API views: ``courses/api/progress.py``.

Rules (see README "Progress"): a heartbeat reports the span ``[start, position]`` played since the
previous one. It is credited only if its length fits in the wall-clock time since the previous
accepted heartbeat times the maximum playback rate; a longer span is a seek and credits nothing.
Credit is the growth of the union of intervals, so watching a part again adds nothing.

A member has one study clock: starting (or resuming) a page takes the member's live session from every
other page, so at any moment only one page of a member earns, and the time it earns is the real time
since its own start or last accepted heartbeat. Parallel pages and tabs therefore cannot multiply study
time. One heartbeat credits at most ``COURSES_HEARTBEAT_MAX_GAP`` seconds of real time: after a longer
silence the heartbeat is accepted (position and clock move) but credits nothing.

The clock of a session (``StudyProgress.last_heartbeat_at``) is the real time up to which study has been
paid for: an accepted span moves it forward by the time the span took (its length ÷ the rate), and at
most ``CLOCK_CARRY`` seconds of real time left unused are carried to the next heartbeat (request latency
and timer jitter would otherwise make an honest 15-s report look 0.05 s too long). So the credited time
of a session never exceeds the real time since its start, times the rate.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from school.models import Member
from school.permissions import member_of

from .. import signals
from ..access import can_view_page, can_view_page_id
from ..models import StudyProgress

# --- the engine: pure functions on merged interval sets ---

Interval = tuple[float, float]
DURATION_SLACK = 1.0  # seconds a reported position may exceed the duration (player clocks round)
CLOCK_CARRY = 2.0  # seconds of unused real time one heartbeat may pass on to the next


def merge(intervals: Sequence[Sequence[float]]) -> list[list[float]]:
    """Sorted, non-overlapping, with touching intervals joined."""
    result: list[list[float]] = []
    for start, end in sorted((float(a), float(b)) for a, b in intervals if b > a):
        if result and start <= result[-1][1] + 1e-6:
            result[-1][1] = max(result[-1][1], end)
        else:
            result.append([start, end])
    return result


def covered(intervals: Sequence[Sequence[float]]) -> float:
    return sum(end - start for start, end in intervals)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Step:
    intervals: list[list[float]]
    watched: float
    credited: float
    seek: bool
    idle: bool = False
    spent: float = 0.0  # real seconds the span took (at up to max_rate); all of ``elapsed`` if not a span


def apply_span(intervals: Sequence[Sequence[float]], start: float, end: float, elapsed: float,
               max_rate: float, max_gap: float = math.inf) -> Step:
    """Credit ``[start, end]`` if real time allows it (``elapsed`` seconds at up to ``max_rate``); a gap
    longer than ``max_gap`` seconds is a silence, not study, and credits nothing."""
    current = merge(intervals)
    before = covered(current)
    length = end - start
    elapsed = max(elapsed, 0.0)
    if elapsed > max_gap:
        return Step(current, before, 0.0, False, idle=True, spent=elapsed)
    if length <= 0:
        return Step(current, before, 0.0, False, spent=elapsed)
    if length > elapsed * max_rate:
        return Step(current, before, 0.0, True, spent=elapsed)
    merged = merge([*current, [start, end]])
    after = covered(merged)
    return Step(merged, after, after - before, False, spent=length / max_rate)


def next_clock(now: dt.datetime, elapsed: float, step: Step) -> dt.datetime:
    """Where the session's clock stands after ``step``: ``now`` less the unused time carried (≤ CLOCK_CARRY)."""
    carried = min(max(elapsed - step.spent, 0.0), CLOCK_CARRY)
    return now - dt.timedelta(seconds=carried)


# --- the heartbeat's two statements in plain SQL ---
# The ORM spent more time building these queries than the database spent running them
# (bench/heartbeat.py). Portable across SQLite and PostgreSQL; values go through the fields' own adapters.

@dataclass
class ProgressRow:
    pk: int
    member_id: int
    kind: str
    duration: float
    required_seconds: float
    intervals: list[list[float]]
    furthest_position: float
    position: float
    completed: bool
    session_token: str
    last_seq: int
    last_heartbeat_at: dt.datetime | None
    page_live: bool


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


_SELECT = (
    "SELECT p.id, p.member_id, p.kind, p.duration, p.required_seconds, p.intervals, p.furthest_position, "
    "p.position, p.completed_at IS NOT NULL, p.session_token, p.last_seq, p.last_heartbeat_at, pg.live "
    "FROM {progress} p INNER JOIN {member} m ON m.id = p.member_id "
    "INNER JOIN {page} pg ON pg.id = p.page_id WHERE m.user_id = %s AND p.page_id = %s"
)
_UPDATE = "UPDATE {progress} SET {sets} WHERE id = %s AND session_token = %s AND last_seq = %s"


def _select_sql() -> str:
    # Identifiers come from model metadata; values are always parameters.
    return _SELECT.format(progress=_q(StudyProgress._meta.db_table), member=_q(Member._meta.db_table),
                          page=_q("wagtailcore_page"))


def _fetch(user_id: int, page_id: int) -> ProgressRow | None:
    with connection.cursor() as cursor:
        cursor.execute(_select_sql(), [user_id, page_id])
        row = cursor.fetchone()
    if row is None:
        return None
    intervals = row[5]
    if isinstance(intervals, str | bytes):
        intervals = json.loads(intervals)
    last = row[11]
    if isinstance(last, str):
        last = dt.datetime.fromisoformat(last)
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    return ProgressRow(int(row[0]), int(row[1]), str(row[2]), float(row[3]), float(row[4]), list(intervals or []),
                       float(row[6]), float(row[7]), bool(row[8]), str(row[9] or ""), int(row[10]), last,
                       bool(row[12]))


def _update(row: ProgressRow, *, intervals: list[list[float]], watched: float, position: float, furthest: float,
            clock: dt.datetime, seq: int, now: dt.datetime, completed_at: dt.datetime | None) -> bool:
    """One conditional UPDATE: applies only if no other heartbeat of this session got in first."""
    ops = connection.ops
    field = StudyProgress._meta.get_field("intervals")
    stamp = ops.adapt_datetimefield_value(now)
    sets = ["intervals = %s", "watched_seconds = %s", "position = %s", "furthest_position = %s", "last_seq = %s",
            "last_heartbeat_at = %s", "updated_at = %s"]
    params: list[Any] = [field.get_db_prep_save(intervals, connection), watched, position, furthest, seq,
                         ops.adapt_datetimefield_value(clock), stamp]
    if completed_at is not None:
        sets.append("completed_at = %s")
        params.append(ops.adapt_datetimefield_value(completed_at))
    sql = _UPDATE.format(progress=_q(StudyProgress._meta.db_table), sets=", ".join(sets))
    if completed_at is not None:
        sql += " AND completed_at IS NULL"
    params += [row.pk, row.session_token, row.last_seq]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return bool(cursor.rowcount == 1)


# --- sessions and heartbeats ---

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
    idle: bool = False


def max_gap() -> float:
    """Longest real time one heartbeat may credit (a few heartbeat intervals); a longer silence earns nothing."""
    return float(getattr(settings, "COURSES_HEARTBEAT_MAX_GAP", 45.0))


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
    """Issue a new playback session for ``user`` on the page and move the member's study clock here: every
    older session of theirs, on this page or any other, stops earning until its page is started again."""
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
        # One start at a time per member (PostgreSQL: two pages started at once would otherwise each
        # clear the other's session, in opposite order, and deadlock); SQLite's write lock already serializes.
        list(Member.objects.select_for_update().filter(pk=member.pk).values_list("pk"))
        StudyProgress.objects.filter(member=member).exclude(page_id=page.pk).exclude(session_token="").update(
            session_token="")
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
    row = _fetch(int(user.pk), page_id)
    # The access gate is cached per page (no query for open courses): an unpublished course or a
    # restriction added during playback stops the credit too.
    if row is None or not row.page_live or not can_view_page_id(user, page_id):
        if row is None and Page.objects.filter(pk=page_id, live=True).exists() and member_of(user) is not None:
            page = Page.objects.get(pk=page_id)
            if can_view_page(user, page):
                raise ProgressError(409, "no_session", _("Start the lesson before sending progress."))
        raise ProgressError(404, "not_found", _("This lesson does not exist or is not available to you."))
    if not row.session_token:
        raise ProgressError(409, "session_replaced",
                            _("You are studying another page now; study time is recorded there. Continue here to "
                              "move it back."))
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
    elapsed = max((now - (row.last_heartbeat_at or now)).total_seconds(), 0.0)
    step = apply_span(row.intervals, span_start, position, elapsed, max_rate(row.kind), max_gap())
    completed_now = not row.completed and step.watched >= row.required_seconds - 1e-6
    furthest = max(row.furthest_position, step.intervals[-1][1] if step.intervals else 0.0)
    # A completing report is one transaction with its awards: the receivers of lesson_completed write
    # their outbox rows with the completion, so a process that dies right after the commit loses
    # nothing (the flush sends them). Other reports stay a single autocommitted UPDATE.
    with transaction.atomic() if completed_now else contextlib.nullcontext():
        if not _update(row, intervals=step.intervals, watched=step.watched, position=position, furthest=furthest,
                       clock=next_clock(now, elapsed, step), seq=seq, now=now,
                       completed_at=now if completed_now else None):
            raise ProgressError(409, "stale", _("This progress report was already received or arrived out of order."))
        if completed_now:
            signals.lesson_completed.send(sender=StudyProgress, member_id=row.member_id, lesson_id=page_id,
                                          completed_at=now)
    return HeartbeatResult(step.watched, step.credited, position, row.completed or completed_now, completed_now,
                           step.seek, row.required_seconds, step.idle)


def progress_by_page(user: Any, page_ids: list[int]) -> dict[int, StudyProgress]:
    member = member_of(user)
    if member is None or not page_ids:
        return {}
    return {p.page_id: p for p in StudyProgress.objects.filter(member=member, page_id__in=page_ids)}
