#!/usr/bin/env bash
# Starts a Celery worker (queues default + media, with beat) and the web server on the embedded
# defaults; stops the worker when the server stops.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var/log
$BIN/celery -A school worker -B -Q default,media,recompute --concurrency 2 --loglevel INFO \
  --schedule var/celerybeat-schedule >var/log/celery.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true; wait $WORKER 2>/dev/null || true' EXIT INT TERM
echo
echo "  Digital Party School: http://${HOST:-127.0.0.1}:${PORT:-8000}/   admin: http://${HOST:-127.0.0.1}:${PORT:-8000}/admin/"
echo "  Celery worker pid $WORKER, log var/log/celery.log"
echo
$BIN/python manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
