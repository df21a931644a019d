"""The Celery app. Queues: ``default`` (credits, imports, indexing) and ``media`` (transcoding), so
that long transcodes never delay short tasks; production runs a worker per queue."""

import os
from pathlib import Path

from celery import Celery

from school.logs import connect_celery_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings.dev")

app = Celery("school")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# One line per task (id, name, outcome, duration); LOG_FORMAT=json keeps Django's JSON logging in workers.
connect_celery_logging(json_lines=os.environ.get("LOG_FORMAT", "text").strip().lower() == "json")


@app.on_after_configure.connect
def _make_embedded_broker_folders(sender: Celery, **kwargs: object) -> None:
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
