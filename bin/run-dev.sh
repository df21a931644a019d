#!/usr/bin/env bash
# The embedded site: a Celery worker (queues default + media), Celery beat, and the web server, on the embedded
# defaults. Stops all three within 10 s when the server stops, on Ctrl-C, or on SIGTERM to this script or to its
# whole process group (a process manager, a closing terminal).
#
# The worker runs a thread pool, and beat is its own process: a prefork pool child killed by the group's SIGTERM
# while holding the pool's queue lock left the worker hanging forever in billiard's cleanup (about 1 stop in 5)
# with the file-system broker, which keeps the embedded broker and lets the next start run a second beat.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
VAR=${VAR_DIR:-var}
mkdir -p "$VAR/log"
$BIN/celery -A school worker -Q default,media,recompute --pool threads --concurrency 2 --loglevel INFO \
  >"$VAR/log/celery.log" 2>&1 &
WORKER=$!
$BIN/celery -A school beat --schedule "$VAR/celerybeat-schedule" --loglevel INFO >"$VAR/log/celery-beat.log" 2>&1 &
BEAT=$!
$BIN/python manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}" &
SERVER=$!

stopping=0
stop() {
  [ "$stopping" = 1 ] && return
  stopping=1
  trap '' INT TERM
  local pids=("$SERVER" "$WORKER" "$BEAT") pid
  # runserver's autoreloader serves from a child process: stop it too.
  for pid in "${pids[@]}"; do pids+=($(pgrep -P "$pid" 2>/dev/null)); done
  kill -TERM "${pids[@]}" 2>/dev/null
  for _ in $(seq 80); do  # 8 s for a warm shutdown, then no more waiting
    kill -0 "${pids[@]}" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
}
trap 'stop; exit 143' TERM
trap 'stop; exit 130' INT
trap stop EXIT

echo
echo "  Digital Party School: http://${HOST:-127.0.0.1}:${PORT:-8000}/   admin: http://${HOST:-127.0.0.1}:${PORT:-8000}/admin/"
echo "  Celery worker pid $WORKER (log $VAR/log/celery.log), beat pid $BEAT (log $VAR/log/celery-beat.log)"
echo
# Returns when any of the three exits (or a signal arrives): then the EXIT trap stops the others.
wait -n "$SERVER" "$WORKER" "$BEAT"
