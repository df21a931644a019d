"""One run per interval of a periodic task, however many beats send it.

Celery beat must run on one machine only (docs/deployment.md). Should a second beat run anyway (started
by mistake, or both old and new during a hand-over), the tasks whose double run matters (publishing
scheduled pages, ranking snapshots, the scheduled recompute, reminders) call ``claim_run`` first: a
conditional UPDATE on their ``PeriodicRun`` row, with the database's clock, lets one run through per
half interval (two beats firing within the same interval: the later one skips)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction

from . import dbclock
from .models import PeriodicRun

logger = logging.getLogger(__name__)


def interval_of(entry: str) -> float:
    """The schedule (seconds) of the beat entry ``entry`` in CELERY_BEAT_SCHEDULE."""
    return float(settings.CELERY_BEAT_SCHEDULE[entry]["schedule"])  # type: ignore[arg-type]


def claim_run(entry: str) -> bool:
    """True if this run of beat entry ``entry`` should go ahead (no other ran in the last half interval)."""
    now = dbclock.now()
    gap = dt.timedelta(seconds=interval_of(entry) / 2)
    try:
        with transaction.atomic():
            PeriodicRun.objects.get_or_create(name=entry, defaults={"last_run_at": now - 2 * gap})
    except IntegrityError:  # created by a concurrent run just now
        pass
    claimed = bool(PeriodicRun.objects.filter(name=entry, last_run_at__lte=now - gap).update(last_run_at=now))
    if not claimed:
        logger.info("periodic task %s: already run within the last %s by another beat; skipped", entry, gap)
    return claimed
