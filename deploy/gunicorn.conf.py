"""gunicorn settings for production (deploy/systemd/school-web.service passes ``-c`` this file).

Sync workers behind nginx: nginx buffers request bodies and responses, so slow clients never hold a
worker, and files go out through X-Accel-Redirect. Each value can be overridden from the environment
file (/etc/school/school.env) without editing this file.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "unix:/run/school/gunicorn.sock")
# 2 x cores + 1 is gunicorn's rule of thumb for sync workers; each holds one database connection.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request may take this long (a 2 GB upload is hashed and copied before the answer); then the worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "300"))
graceful_timeout = 30
keepalive = 5
# Replace workers now and then (bounded memory growth), not all at the same time.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
preload_app = True
# nginx in front: trust its X-Forwarded-Proto. A unix socket has no peer address; only nginx (group
# www-data, RuntimeDirectoryMode=0750 in the unit) can open it, so every peer is trusted there.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS",
                                     "*" if bind.startswith("unix:") else "127.0.0.1,::1")
accesslog = None  # nginx writes the access log; Django writes one JSON line per request (LOG_FORMAT=json)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
