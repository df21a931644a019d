"""Sending Celery tasks so that a broker outage loses nothing (the task outbox).

Every app sends its tasks through here instead of calling ``task.delay`` itself:

``send(task, *args, **kwargs)``
    publish now; if the broker does not take the message (down, refusing, timing out), the task is
    written to ``OutboxTask`` with the reason, and ``False`` is returned. For code that runs after
    commit or outside a transaction (beat tasks, ``on_commit`` callbacks).
``send_on_commit(task, *args, **kwargs)``
    inside a transaction: the row is written in that transaction (so it exists exactly when the data
    change does), the task is published after commit and the row deleted once the broker took it.
    Outside a transaction: ``send`` at once.

``flush()`` sends the stored rows again; it runs from Celery beat (``school.tasks.flush_task_outbox``
every ``TASKS_OUTBOX_FLUSH_SECONDS``), when a worker starts, after a successful send in a process that
stored rows, and from ``python manage.py task_outbox --flush``. Every task of the project is safe to
run twice, so a row sent twice (a lost acknowledgement, two flushers) costs only time.

Publishing never hangs a page: ``CELERY_TASK_PUBLISH_RETRY_POLICY`` retries briefly, the Redis
transport has short socket timeouts (settings), and after a failed publish this process stores its
tasks directly for ``TASKS_OUTBOX_RETRY_SECONDS`` without trying the broker (a broker that does not
answer at all costs one timeout, not one per task)."""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

import kombu.exceptions
import redis.exceptions
from celery import Task, current_app
from django.conf import settings
from django.db import transaction

from . import dbclock
from .models import OutboxTask

logger = logging.getLogger(__name__)

# What a broker that is down or unreachable raises through Celery's publish (after its retries).
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu.exceptions.OperationalError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
    ConnectionError, TimeoutError, OSError,
)
LEASE_SECONDS = 300  # a flusher owns the rows it claimed for this long (then another may send them)
MAX_BACKOFF_SECONDS = 3600

# This process stored rows since its last flush request: the next successful send asks for a flush.
_stored_since_flush = False
# After a failed publish: until when (monotonic) this process does not try the broker, and why.
_broker_down_until = 0.0
_broker_down_reason = ""


class BrokerRecentlyDown(Exception):
    """Not published: the broker failed moments ago in this process."""


NOT_PUBLISHED: tuple[type[BaseException], ...] = (*BROKER_ERRORS, BrokerRecentlyDown)


def _publish(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    global _broker_down_until, _broker_down_reason
    if time.monotonic() < _broker_down_until:
        raise BrokerRecentlyDown(f"broker failed moments ago ({_broker_down_reason})")
    try:
        task.delay(*args, **kwargs)
    except BROKER_ERRORS as exc:
        _broker_down_reason = _describe(exc)
        _broker_down_until = time.monotonic() + float(settings.TASKS_OUTBOX_RETRY_SECONDS)
        raise


@dataclass(frozen=True)
class FlushResult:
    sent: int
    failed: int
    remaining: int
    reason: str = ""


def _queue_of(task: Task) -> str:
    return str(getattr(task, "queue", "") or "")


def _grace() -> dt.timedelta:
    return dt.timedelta(seconds=settings.TASKS_OUTBOX_GRACE_SECONDS)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _keep(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], exc: BaseException) -> None:
    global _stored_since_flush
    try:
        OutboxTask.objects.create(task=task.name, args=list(args), kwargs=kwargs, queue=_queue_of(task),
                                  reason=_describe(exc), attempts=1, next_attempt_at=dbclock.now())
    except Exception:
        # The database is gone too: the log is all that is left for an operator to replay by hand.
        logger.critical("task outbox: could not store %s args=%r kwargs=%r after the broker refused it (%s)",
                        task.name, args, kwargs, _describe(exc), exc_info=True)
        return
    _stored_since_flush = True
    logger.warning("task outbox: broker did not take %s%r (%s); stored for a later flush",
                   task.name, args, _describe(exc))


def _request_flush() -> None:
    """After a successful send: if this process stored rows, ask a worker to flush them now."""
    global _stored_since_flush
    if not _stored_since_flush:
        return
    _stored_since_flush = False
    try:
        current_app.send_task("school.tasks.flush_task_outbox", queue="default")
    except BROKER_ERRORS:
        _stored_since_flush = True


def send(task: Task, *args: Any, **kwargs: Any) -> bool:
    """Publish ``task`` now; keep it in the outbox if the broker does not take it. True if published."""
    try:
        _publish(task, args, kwargs)
    except NOT_PUBLISHED as exc:
        _keep(task, args, kwargs, exc)
        return False
    _request_flush()
    return True


def send_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Publish ``task`` once the current transaction commits, with its outbox row written in that
    transaction: a rollback drops both, a commit keeps the row until the broker has the message."""
    if not transaction.get_connection().in_atomic_block:
        send(task, *args, **kwargs)
        return
    row = OutboxTask.objects.create(task=task.name, args=list(args), kwargs=kwargs, queue=_queue_of(task),
                                    next_attempt_at=dbclock.now() + _grace())

    def publish() -> None:
        global _stored_since_flush
        # The grace counts from the commit: claim the row (a conditional UPDATE on the value written at
        # insert) and move it to now + grace. If a flush claimed it first (a transaction longer than the
        # grace), the flush sends it and this process does not: one message either way.
        if not OutboxTask.objects.filter(pk=row.pk, next_attempt_at=row.next_attempt_at).update(
                next_attempt_at=dbclock.now() + _grace()):
            return
        try:
            _publish(task, args, kwargs)
        except NOT_PUBLISHED as exc:
            OutboxTask.objects.filter(pk=row.pk).update(reason=_describe(exc), attempts=1,
                                                        next_attempt_at=dbclock.now())
            _stored_since_flush = True
            logger.warning("task outbox: broker did not take %s%r (%s); kept for a later flush",
                           task.name, args, _describe(exc))
            return
        OutboxTask.objects.filter(pk=row.pk).delete()
        _request_flush()

    transaction.on_commit(publish, robust=True)


def _publish_row(row: OutboxTask) -> None:
    task = current_app.tasks.get(row.task)
    if task is not None:
        task.delay(*row.args, **row.kwargs)
    else:  # not imported in this process (a management command): by name, to the queue stored with it
        current_app.send_task(row.task, args=row.args, kwargs=row.kwargs, queue=row.queue or None)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(MAX_BACKOFF_SECONDS, 10 * 2 ** min(attempts, 12)))


def due() -> int:
    return OutboxTask.objects.filter(next_attempt_at__lte=dbclock.now()).count()


def flush(*, limit: int = 1000, everything: bool = False) -> FlushResult:
    """Send stored tasks whose time has come (``everything``: also rows still in their grace period or
    backing off). Rows are claimed with a conditional UPDATE (a lease), so concurrent flushers do not
    send the same row; a broker error stops the flush and leaves the rest due. Times are the
    database's (``school.dbclock``): flushers on machines whose clocks differ agree on what is due."""
    now = dbclock.now()
    candidates = OutboxTask.objects.order_by("id")
    if not everything:
        candidates = candidates.filter(next_attempt_at__lte=now)
    ids = list(candidates.values_list("id", flat=True)[:limit])
    if not ids:
        return FlushResult(0, 0, 0)
    lease = now + dt.timedelta(seconds=LEASE_SECONDS, microseconds=random.randrange(1, 999_999))
    claim = OutboxTask.objects.filter(pk__in=ids)
    if not everything:
        claim = claim.filter(next_attempt_at__lte=now)
    claim.update(next_attempt_at=lease)
    rows = list(OutboxTask.objects.filter(pk__in=ids, next_attempt_at=lease).order_by("id"))
    sent: list[int] = []
    failed = 0
    reason = ""
    for index, row in enumerate(rows):
        try:
            _publish_row(row)
        except BROKER_ERRORS as exc:  # the broker is down: stop, everything not sent stays due
            reason = _describe(exc)
            OutboxTask.objects.filter(pk=row.pk).update(attempts=row.attempts + 1, reason=reason,
                                                        next_attempt_at=dbclock.now())
            OutboxTask.objects.filter(pk__in=[r.pk for r in rows[index + 1:]]).update(next_attempt_at=dbclock.now())
            failed += 1
            break
        except Exception as exc:  # this row cannot be sent (e.g. unserializable): back off, go on
            logger.exception("task outbox: cannot send %s", row)
            OutboxTask.objects.filter(pk=row.pk).update(attempts=row.attempts + 1, reason=_describe(exc),
                                                        next_attempt_at=dbclock.now() + _backoff(row.attempts))
            failed += 1
            continue
        sent.append(row.pk)
    if sent:
        OutboxTask.objects.filter(pk__in=sent).delete()
        logger.info("task outbox: sent %d stored tasks again", len(sent))
    return FlushResult(len(sent), failed, OutboxTask.objects.count(), reason)
