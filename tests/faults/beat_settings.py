"""Settings for the two-beats fault test: the fault workers' settings (test settings plus the test-only
faults app) with a beat schedule of only the entries whose double run matters, every FAULTS_BEAT_SECONDS,
so real beats send them within seconds. Workers use the same module: the periodic claim reads the
entry's interval from it."""

import os

from tests.faults.worker_settings import *  # noqa: F403

_SECONDS = float(os.environ.get("FAULTS_BEAT_SECONDS", "4"))
CELERY_BEAT_SCHEDULE = {
    "courses-publish-scheduled": {"task": "courses.tasks.publish_scheduled_pages", "schedule": _SECONDS,
                                  "options": {"queue": "default", "expires": _SECONDS}},
    "credits-publish-rankings": {"task": "school.credits.tasks.snapshot_rankings_task", "schedule": _SECONDS,
                                 "options": {"queue": "default", "expires": _SECONDS}},
}
