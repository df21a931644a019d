"""Settings shared by every environment. Everything that differs per deployment comes from the
environment through the helpers in ``env.py``; see docs/settings.md."""

from __future__ import annotations

import re
from pathlib import Path

import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_database, env_float, env_int, env_list, env_optional, env_str

django_stubs_ext.monkeypatch()  # lets generic Django classes be subscripted at run time

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEV_SECRET_KEY = "dev-insecure-9w$k!digital-party-school-never-use-in-production"  # noqa: S105 - production refuses it
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
# Separate key material for national ID numbers, so rotating SECRET_KEY does not lose them.
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY", SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # First, so that `manage.py runserver` is daphne's: one process serving HTTP and the battles' WebSockets.
    "daphne",
    "school",
    "media",
    "courses",
    "exams",
    "search",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "treebeard",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "channels",
]

MIDDLEWARE = [
    "school.logs.RequestLogMiddleware",  # outermost: the request id and one log line per request
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "school.logs.UserContextMiddleware",  # log lines written by the view carry the user id
    "school.accounts.middleware.PasswordChoiceMiddleware",  # logged in with an activation code: choose a password
    # NUL / lone surrogates in the path (404), query or form (400), before any view: school/security/input.py.
    "school.security.input.RefuseBadInputMiddleware",
    "school.audit.AuditContextMiddleware",  # who and from where, for audit records written below views
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After XFrameOptionsMiddleware: its response hook runs first and sets X-Frame-Options per path.
    "school.security.csp.SchoolCSPMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

# Content Security Policy (django-csp). The member site: no inline script or style, no eval, nothing
# from other origins, never framed. hls.js feeds the <video> through blob: URLs (Media Source) and
# may run its demuxer in a blob: worker. See school/security/csp.py and docs/security.md.
_CSP_SELF, _CSP_NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_CSP_SELF],
        "script-src": [_CSP_SELF],
        "style-src": [_CSP_SELF],
        "img-src": [_CSP_SELF, "data:", "blob:"],
        "media-src": [_CSP_SELF, "blob:"],
        "worker-src": [_CSP_SELF, "blob:"],
        "connect-src": [_CSP_SELF],
        "font-src": [_CSP_SELF],
        "object-src": [_CSP_NONE],
        "frame-src": [_CSP_NONE],
        "base-uri": [_CSP_SELF],
        "form-action": [_CSP_SELF],
        "frame-ancestors": [_CSP_NONE],
    },
}
# The Wagtail admin (/admin/, statistics pages and page previews included): Wagtail 8 writes inline
# <script> elements (inline panels, date widgets) and style attributes, and frames its own previews.
SCHOOL_ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": [_CSP_SELF, "'unsafe-inline'"],
        "style-src": [_CSP_SELF, "'unsafe-inline'"],
        "frame-src": [_CSP_SELF],
        "frame-ancestors": [_CSP_SELF],
    },
}
# The admin would otherwise load avatars from gravatar.com and poll wagtail.org for new releases.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

ROOT_URLCONF = "school.urls"
CSRF_FAILURE_VIEW = "school.views.errors.csrf_failure"
WSGI_APPLICATION = "school.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "school.context_processors.site_navigation",
                "school.context_processors.display_preferences",
            ],
        },
    },
]

CONN_MAX_AGE = env_int("CONN_MAX_AGE", 60, minimum=0)
DATABASES = {
    "default": env_database(
        "DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=CONN_MAX_AGE
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = env_optional("CACHE_URL")
if CACHE_URL:
    # Redis that degrades instead of failing: unreachable = a miss on read, a no-op on write (school/cache.py).
    CACHES = {"default": {
        "BACKEND": "school.cache.TolerantRedisCache",
        "LOCATION": CACHE_URL,
        "OPTIONS": {"socket_connect_timeout": env_float("CACHE_SOCKET_TIMEOUT", 0.5, minimum=0.01),
                    "socket_timeout": env_float("CACHE_SOCKET_TIMEOUT", 0.5, minimum=0.01)},
    }}
    # After a failure, calls skip Redis for this many seconds (one failed connect per page at most).
    CACHE_RETRY_SECONDS = env_float("CACHE_RETRY_SECONDS", 5.0, minimum=0.0)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login name, mobile number or ID number, with a password or a one-time activation code (school/accounts/).
AUTHENTICATION_BACKENDS = ["school.accounts.backends.AccountBackend"]
WAGTAILADMIN_USER_LOGIN_FORM = "school.accounts.forms.AdminLoginForm"
# Activation codes handed out by the organization department: length (unambiguous alphabet) and validity.
ACCOUNTS_ACTIVATION_CODE_LENGTH = env_int("ACCOUNTS_ACTIVATION_CODE_LENGTH", 10, minimum=8)
ACCOUNTS_ACTIVATION_CODE_DAYS = env_int("ACCOUNTS_ACTIVATION_CODE_DAYS", 14, minimum=1)
# Self-activation and forgotten password: attempts per identifier / per address within LOGIN_LOCKOUT_SECONDS.
ACCOUNTS_FLOW_FAILURES_PER_IDENTIFIER = env_int("ACCOUNTS_FLOW_FAILURES_PER_IDENTIFIER", 5, minimum=1)
ACCOUNTS_FLOW_FAILURES_PER_ADDRESS = env_int("ACCOUNTS_FLOW_FAILURES_PER_ADDRESS", 20, minimum=1)
# SMS verification codes, sent through a pluggable backend like Django's e-mail backends:
# school.accounts.sms.ConsoleSmsBackend (log + development page), .LocmemSmsBackend (tests),
# .TencentSmsBackend (Tencent Cloud SMS through its official SDK, configured by the TENCENT_SMS_* settings).
SMS_BACKEND = env_str("SMS_BACKEND", "school.accounts.sms.ConsoleSmsBackend")
# The console backend's messages, shown on /accounts/dev/sms/ (DEBUG only).
SMS_CONSOLE_FILE = Path(env_str("SMS_CONSOLE_FILE", str(VAR_DIR / "sms-console.jsonl")))
SMS_CODE_TTL_SECONDS = env_int("SMS_CODE_TTL_SECONDS", 300, minimum=30)
SMS_CODE_MAX_TRIES = env_int("SMS_CODE_MAX_TRIES", 5, minimum=1)
SMS_RESEND_SECONDS = env_int("SMS_RESEND_SECONDS", 60, minimum=1)
SMS_DAILY_PER_NUMBER = env_int("SMS_DAILY_PER_NUMBER", 10, minimum=1)
SMS_DAILY_PER_ADDRESS = env_int("SMS_DAILY_PER_ADDRESS", 30, minimum=1)
TENCENT_SMS_SECRET_ID = env_str("TENCENT_SMS_SECRET_ID", "")
TENCENT_SMS_SECRET_KEY = env_str("TENCENT_SMS_SECRET_KEY", "")
TENCENT_SMS_SDK_APP_ID = env_str("TENCENT_SMS_SDK_APP_ID", "")
TENCENT_SMS_SIGN_NAME = env_str("TENCENT_SMS_SIGN_NAME", "")
TENCENT_SMS_TEMPLATE_ID = env_str("TENCENT_SMS_TEMPLATE_ID", "")
# The template of notification SMS (one parameter: the notification's title, cut to 20 characters).
TENCENT_SMS_NOTICE_TEMPLATE_ID = env_str("TENCENT_SMS_NOTICE_TEMPLATE_ID", "")
TENCENT_SMS_REGION = env_str("TENCENT_SMS_REGION", "ap-guangzhou")
# The API address; empty = the SDK's default (https://sms.tencentcloudapi.com). Tests point it at 127.0.0.1.
TENCENT_SMS_ENDPOINT = env_str("TENCENT_SMS_ENDPOINT", "")
TENCENT_SMS_TIMEOUT = env_int("TENCENT_SMS_TIMEOUT", 10, minimum=1)
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
LOGIN_TRUST_X_FORWARDED_FOR = env_bool("LOGIN_TRUST_X_FORWARDED_FOR", False)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# school/locale: the project's own messages (first: `makemessages` writes the project templates' strings there).
# school/locale_wagtail: Chinese for the Wagtail admin messages Wagtail's zh_Hans lacks (docs/development.md);
# its msgids are Wagtail's own, so it never clashes with school/locale, and both win over Wagtail's catalogs.
LOCALE_PATHS = [BASE_DIR / "school" / "locale", BASE_DIR / "school" / "locale_wagtail"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# ISO dates first among zh_Hans' input formats, which widgets render with (<input type="date">): school/formats/.
FORMAT_MODULE_PATH = ["school.formats"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # also creates VAR_DIR, where the SQLite file lives
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "uploads")))
# Web and worker processes check the shared-storage contract when they start (school.readiness:
# MEDIA_ROOT takes a write and a rename, is one filesystem, is the folder the other machines share);
# with this on (production) a failure stops the start, otherwise it is logged.
STORAGE_CHECK_AT_START = env_bool("STORAGE_CHECK_AT_START", False)
MEDIA_URL = "/uploads/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # bigger uploads stream to a temporary file
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None
# /ready/ and check_services report an error below this much free space under MEDIA_ROOT (megabytes).
READY_MIN_FREE_DISK_MB = env_int("READY_MIN_FREE_DISK_MB", 2048, minimum=0)

WAGTAIL_SITE_NAME = "数字党校"  # the admin's title, the login page, e-mails (not translated: a proper name)
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "txt"]
# Uploaded files are never rendered as pages of this site: documents are streamed by Django's view
# (never a MEDIA_URL link), as attachments except PDF and plain text, with nosniff and a policy that
# blocks everything (school.views.files adds `sandbox`); images never SVG (script inside).
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_BLOCK_EMBEDDED_CONTENT = True
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf", "text/plain"]
# Wagtail's document view hands the file to school.protected_files (X-Accel-Redirect in production).
SENDFILE_BACKEND = "school.protected_files"
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]

# Task queue. Unset = an embedded broker on the file system (a real worker process, no server).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "polling_interval": 0.5,
    }
elif CELERY_BROKER_URL.startswith("redis://"):
    # A task whose worker died is redelivered after this many seconds (acks_late tasks).
    # Workers sweep for such tasks every CELERY_UNACKED_RESTORE_SECONDS (kombu's default would be
    # interval x throttle = 100 s; one cheap ZRANGE per sweep).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 7200, minimum=1),
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_SECONDS", 30, minimum=1),
        "unacked_restore_throttle": 1,
        # A broker that is down or hangs must not hang a page: connect and socket timeouts (seconds).
        "socket_connect_timeout": env_float("CELERY_BROKER_CONNECT_TIMEOUT", 2.0, minimum=0.1),
        "socket_timeout": env_float("CELERY_BROKER_SOCKET_TIMEOUT", 5.0, minimum=0.1),
    }
    # A worker takes a message only when a pool slot is free. Otherwise it reserves the next one while
    # its slot is busy: that message stays unacknowledged, and behind a transcode (hours) Redis hands it
    # to another worker after the visibility timeout while the first still holds it, so it runs twice.
    CELERY_WORKER_DISABLE_PREFETCH = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"media.tasks.*": {"queue": "media"},
                      "school.credits.tasks.recompute_scores_task": {"queue": "recompute"},
                      "school.credits.tasks.recompute_request_task": {"queue": "recompute"}}
# Every task has a time limit (seconds): a soft one (SoftTimeLimitExceeded inside the task, which
# cleans up) and a hard one (the worker child is killed). Long tasks set their own (transcodes, the
# recompute, imports and exports). Enforced by the prefork pool (production), not the threads pool.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 660, minimum=1)
if CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_TIME_LIMIT must be greater than CELERY_TASK_SOFT_TIME_LIMIT.")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}
# Publishing retries briefly (Celery's default is 3 retries); a task the broker does not take then goes
# to the task outbox (school/outbox.py), which the beat entry below sends again.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.2}
TASKS_OUTBOX_FLUSH_SECONDS = env_float("TASKS_OUTBOX_FLUSH_SECONDS", 60.0, minimum=0.5)
# After a failed publish, a process stores its tasks in the outbox without trying the broker for this long.
TASKS_OUTBOX_RETRY_SECONDS = env_float("TASKS_OUTBOX_RETRY_SECONDS", 5.0, minimum=0.0)
# Rows written inside a transaction are normally deleted right after commit, once the broker took the
# message; the flush sends such a row only when it is older than this (its process died in between).
TASKS_OUTBOX_GRACE_SECONDS = env_int("TASKS_OUTBOX_GRACE_SECONDS", 30, minimum=0)
CELERY_BEAT_SCHEDULE["school-task-outbox"] = {
    "task": "school.tasks.flush_task_outbox",
    "schedule": TASKS_OUTBOX_FLUSH_SECONDS,
    "options": {"queue": "default", "expires": TASKS_OUTBOX_FLUSH_SECONDS * 2},
}

# Member imports still waiting or running two hours after their upload end as failed with a reason.
CELERY_BEAT_SCHEDULE["school-sweep-stuck-imports"] = {
    "task": "school.tasks.sweep_stuck_member_imports",
    "schedule": 900.0,
    "options": {"queue": "default", "expires": 900.0},
}

ELASTICSEARCH_URL = env_optional("ELASTICSEARCH_URL")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # A JSON API: form and multipart bodies cannot carry its answers (lists) and only widen what clients may send.
    # school/api/parsers.py: with size and depth limits, 64-bit integers, no NUL or lone surrogates.
    "DEFAULT_PARSER_CLASSES": ["school.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "school.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "school.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "数字党校 API",
    "DESCRIPTION": "JSON API of the member site and the statistics pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["school.api.schema.only_public_api"],
    # <id:…> (school/converters.py): a database id, 64-bit; longer ones are a 404.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 2**63 - 1}},
}

# The largest JSON body the API parses (the biggest real one, an answer to a fill-in question, is a few kB).
API_MAX_JSON_BYTES = env_int("API_MAX_JSON_BYTES", 256 * 1024, minimum=1024)

# Member import: a file may hold at most this many rows.
MEMBER_IMPORT_MAX_ROWS = env_int("MEMBER_IMPORT_MAX_ROWS", 50_000, minimum=1)

# Logs go to stderr (systemd's journal in production). LOG_FORMAT=json: one JSON object per line with the
# request id, user id (never a name), status and duration, or the task id and outcome (school/logs.py).
LOG_FORMAT = env_str("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use text or json.")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").strip().upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r}: use DEBUG, INFO, WARNING or ERROR.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "school.logs.ContextFilter"}},
    "formatters": {"json": {"()": "school.logs.JsonFormatter"}, "text": {"format": "%(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # django_tasks (Wagtail's reference index and search updates) logs every task it runs at INFO.
    # The per-request and per-task lines are for JSON logs; the development server prints its own.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "django_tasks": {"level": "WARNING"},
                "school.requests": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
                "school.tasks": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"}},
}

# --- media ---

# ffmpeg: this path, else `ffmpeg` on PATH, else the binary shipped by the imageio-ffmpeg wheel.
FFMPEG_BINARY = env_optional("FFMPEG_BINARY") or ""
# Uploads larger than this are refused before the body is read (also set the web server's limit): the tus
# endpoint refuses a larger Upload-Length at creation; the one-request form refuses a larger body.
MEDIA_MAX_UPLOAD_BYTES = env_int("MEDIA_MAX_UPLOAD_MB", 8192, minimum=1) * 1024 * 1024
# A resumable upload that received nothing for this long is abandoned: beat deletes it and its bytes.
# The browser sends a resumable upload in PATCH requests of at most this size (keep it below the web server's
# body limit; a connection cut mid-request keeps what arrived when Django reads it unbuffered).
MEDIA_UPLOAD_CHUNK_BYTES = env_int("MEDIA_UPLOAD_CHUNK_MB", 64, minimum=1) * 1024 * 1024
MEDIA_UPLOAD_ABANDONED_SECONDS = env_int("MEDIA_UPLOAD_ABANDONED_SECONDS", 24 * 3600, minimum=60)
# Sources with more pixels than 4096×2160 (DCI 4K) or longer than this are refused with a reason.
MEDIA_MAX_SOURCE_PIXELS = env_int("MEDIA_MAX_SOURCE_PIXELS", 4096 * 2160, minimum=1)
MEDIA_MAX_DURATION_SECONDS = env_int("MEDIA_MAX_DURATION_SECONDS", 4 * 3600, minimum=1)
# The HLS ladder: (short side in pixels, peak video kbit/s = -maxrate, audio kbit/s), largest first.
MEDIA_HLS_LADDER: tuple[tuple[int, int, int], ...] = ((1080, 5000, 128), (720, 2800, 128), (480, 1400, 96),
                                                       (360, 800, 96))
MEDIA_X264_CRF = env_int("MEDIA_X264_CRF", 23, minimum=0)
MEDIA_X264_PRESET = env_str("MEDIA_X264_PRESET", "veryfast")
if MEDIA_X264_PRESET not in {"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower"}:
    raise ImproperlyConfigured(f"MEDIA_X264_PRESET={MEDIA_X264_PRESET!r} is not an x264 preset.")
# The lowest rung, when it is made ahead of the others so the video is playable sooner (lowest rung first),
# is encoded with this preset: its encode is most of the time until members can watch. "" = MEDIA_X264_PRESET.
MEDIA_X264_PRESET_FIRST = env_str("MEDIA_X264_PRESET_FIRST", "")
if MEDIA_X264_PRESET_FIRST not in {"", "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                                   "slower"}:
    raise ImproperlyConfigured(f"MEDIA_X264_PRESET_FIRST={MEDIA_X264_PRESET_FIRST!r} is not an x264 preset.")
MEDIA_HLS_SEGMENT_SECONDS = env_int("MEDIA_HLS_SEGMENT_SECONDS", 4, minimum=1)
MEDIA_MAX_FPS = env_int("MEDIA_MAX_FPS", 30, minimum=1)
# Progress and the worker's heartbeat are saved this often; a claim whose heartbeat is older than
# MEDIA_PROCESSING_STALE_SECONDS belonged to a dead worker and is taken over by a redelivered task.
MEDIA_PROGRESS_SAVE_SECONDS = env_float("MEDIA_PROGRESS_SAVE_SECONDS", 3.0, minimum=0.1)
MEDIA_PROCESSING_STALE_SECONDS = env_int("MEDIA_PROCESSING_STALE_SECONDS", 120, minimum=1)
# ffmpeg is killed after 10 min + this many times the media duration.
MEDIA_TRANSCODE_TIMEOUT_FACTOR = env_float("MEDIA_TRANSCODE_TIMEOUT_FACTOR", 20.0, minimum=1.0)
# The no-progress watchdog: ffmpeg is killed (the video fails with a reason) after this many seconds
# without a line of progress output.
# Celery's soft time limit of one transcode (the hard limit is 10 minutes later); a 4-hour source at
# the default preset takes well under this.
MEDIA_TRANSCODE_SOFT_TIME_LIMIT = env_int("MEDIA_TRANSCODE_SOFT_TIME_LIMIT", 12 * 3600, minimum=60)
MEDIA_FFMPEG_STALL_SECONDS = env_float("MEDIA_FFMPEG_STALL_SECONDS", 300.0, minimum=1.0)
# Production: let the web server send the files after Django checked permission. Set the prefix of
# an nginx `internal` location aliased to MEDIA_ROOT (e.g. /protected-media/); the header is
# X-Accel-Redirect for nginx, X-Sendfile for Apache mod_xsendfile / lighttpd.
MEDIA_ACCEL_REDIRECT_PREFIX = env_str("MEDIA_ACCEL_REDIRECT_PREFIX", "")
MEDIA_ACCEL_REDIRECT_HEADER = env_str("MEDIA_ACCEL_REDIRECT_HEADER", "X-Accel-Redirect")
if MEDIA_ACCEL_REDIRECT_HEADER not in {"X-Accel-Redirect", "X-Sendfile", "X-LIGHTTPD-send-file"}:
    raise ImproperlyConfigured(f"MEDIA_ACCEL_REDIRECT_HEADER={MEDIA_ACCEL_REDIRECT_HEADER!r} is not supported.")
# Signed segment URLs (media/signed_segments.py): with a key, rendition playlists list segments as URLs
# under this prefix signed for the member's session, verified by nginx's secure_link (the same key goes
# into deploy/nginx/school.conf); empty = every segment through Django and X-Accel-Redirect.
MEDIA_SIGNED_SEGMENTS_KEY = env_str("MEDIA_SIGNED_SEGMENTS_KEY", "")
MEDIA_SIGNED_SEGMENTS_PREFIX = env_str("MEDIA_SIGNED_SEGMENTS_PREFIX", "/hls-segments/")
MEDIA_SIGNED_SEGMENTS_SECONDS = env_int("MEDIA_SIGNED_SEGMENTS_SECONDS", 6 * 3600, minimum=60)
if any(ch in MEDIA_SIGNED_SEGMENTS_KEY for ch in " \t\"'$;{}"):
    raise ImproperlyConfigured("MEDIA_SIGNED_SEGMENTS_KEY must not contain spaces, quotes, $, ; or braces "
                               "(it is written into the nginx configuration).")
# seed_demo imports the clips found here, else generates some with ffmpeg's lavfi sources.
CELERY_BEAT_SCHEDULE["media-recover-stalled-videos"] = {
    "task": "media.tasks.recover_stalled_videos",
    "schedule": 300.0,
    "options": {"queue": "default", "expires": 300.0},
}
CELERY_BEAT_SCHEDULE["media-clean-abandoned-uploads"] = {
    "task": "media.tasks.clean_abandoned_uploads",
    "schedule": 3600.0,
    "options": {"queue": "default", "expires": 3600.0},
}
MEDIA_DEMO_VIDEOS_DIR = Path(env_str("MEDIA_DEMO_VIDEOS_DIR", str(BASE_DIR.parent / "shared" / "corpus" / "videos")))

# --- courses ---
# Fastest playback speed whose watching still counts (a heartbeat crediting more is treated as a seek).
COURSES_MAX_PLAYBACK_RATE = env_float("COURSES_MAX_PLAYBACK_RATE", 2.0, minimum=1.0)
# Longest real time (seconds) one progress heartbeat may credit: three of the player's 15-s intervals.
# A heartbeat after a longer silence is accepted but credits nothing (time passing unobserved is not study).
COURSES_HEARTBEAT_MAX_GAP = env_float("COURSES_HEARTBEAT_MAX_GAP", 45.0, minimum=1.0)
# Seconds a member must read a policy document (page visible) for it to count as studied.
COURSES_DOCUMENT_READING_SECONDS = env_int("COURSES_DOCUMENT_READING_SECONDS", 60, minimum=1)
# Read rate (percent) below which a notice published more than a day ago is an administrator's to-do.
COURSES_NOTICE_LOW_READ_RATE = env_int("COURSES_NOTICE_LOW_READ_RATE", 60, minimum=0)
# Credits a read policy document is worth in study tasks.
COURSES_DOCUMENT_CREDITS = env_float("COURSES_DOCUMENT_CREDITS", 0.5, minimum=0.0)
# Days before a task's deadline when members behind schedule are reminded (once).
COURSES_REMINDER_DAYS = env_int("COURSES_REMINDER_DAYS", 3, minimum=1)
# Notification centre: also e-mail notifications (through EMAIL_BACKEND) to users who chose e-mail.
NOTIFICATIONS_EMAIL = env_bool("NOTIFICATIONS_EMAIL", False)
# ... and by SMS (through SMS_BACKEND) to members who chose SMS and have a mobile number.
NOTIFICATIONS_SMS = env_bool("NOTIFICATIONS_SMS", False)
# No notification SMS between these local times (HH:MM-HH:MM, may wrap midnight; equal times: none): messages
# wait and are sent after them by the beat entry below. Verification codes are never held back.
NOTIFICATIONS_SMS_QUIET_HOURS = env_str("NOTIFICATIONS_SMS_QUIET_HOURS", "22:00-08:00")
if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", NOTIFICATIONS_SMS_QUIET_HOURS):
    raise ImproperlyConfigured(f"NOTIFICATIONS_SMS_QUIET_HOURS={NOTIFICATIONS_SMS_QUIET_HOURS!r}: use HH:MM-HH:MM, "
                               "e.g. 22:00-08:00.")
CELERY_BEAT_SCHEDULE["school-send-held-sms"] = {"task": "school.tasks.send_held_sms", "schedule": 300.0,
                                                "options": {"queue": "default", "expires": 300.0}}
# Count database writes per request (bench/heartbeat.py turns it on; adds a header X-DB-Writes).
COURSES_COUNT_DB_WRITES = env_bool("COURSES_COUNT_DB_WRITES", False)
if COURSES_COUNT_DB_WRITES:
    MIDDLEWARE = ["bench._dbcount.CountWritesMiddleware", *MIDDLEWARE]
# seed_demo imports regulations.jsonl from here when present, else a few built-in sample documents.
COURSES_DEMO_CORPUS_DIR = Path(env_str("COURSES_DEMO_CORPUS_DIR", str(BASE_DIR.parent / "shared" / "corpus")))
CELERY_BEAT_SCHEDULE["courses-task-reminders"] = {"task": "courses.tasks.send_task_reminders", "schedule": 3600.0,
                                                  "options": {"queue": "default", "expires": 3600.0}}
CELERY_BEAT_SCHEDULE["courses-publish-scheduled"] = {"task": "courses.tasks.publish_scheduled_pages",
                                                     "schedule": 60.0, "options": {"queue": "default", "expires": 60.0}}

# --- search ---
# Elasticsearch analyzer for Chinese text: "cjk" (built in, any cluster), "smartcn" or "ik" (plugins).
SEARCH_ES_ANALYZER = env_str("SEARCH_ES_ANALYZER", "cjk")
if SEARCH_ES_ANALYZER not in {"cjk", "smartcn", "ik"}:
    raise ImproperlyConfigured(f"SEARCH_ES_ANALYZER={SEARCH_ES_ANALYZER!r}: use cjk, smartcn or ik.")
# Prefix of the Elasticsearch aliases and indices (several sites can share a cluster).
SEARCH_ES_PREFIX = env_str("SEARCH_ES_PREFIX", "school")
SEARCH_ES_TIMEOUT = env_int("SEARCH_ES_TIMEOUT", 10, minimum=1)
# A secured cluster (ES 8 default): trust its certificate with the CA file (http_ca.crt) or the SHA-256
# fingerprint of its certificate, and sign in with an API key ("encoded" value of the create API key answer)
# or a user and password.
SEARCH_ES_CA_CERTS = env_optional("SEARCH_ES_CA_CERTS")
SEARCH_ES_SSL_FINGERPRINT = env_optional("SEARCH_ES_SSL_FINGERPRINT")
SEARCH_ES_API_KEY = env_optional("SEARCH_ES_API_KEY")
SEARCH_ES_USERNAME = env_optional("SEARCH_ES_USERNAME")
SEARCH_ES_PASSWORD = env_str("SEARCH_ES_PASSWORD", "")
# search_index --rebuild loads the new indices with this request timeout (seconds) and documents per request.
SEARCH_ES_REBUILD_TIMEOUT = env_int("SEARCH_ES_REBUILD_TIMEOUT", 120, minimum=1)
SEARCH_ES_REBUILD_CHUNK = env_int("SEARCH_ES_REBUILD_CHUNK", 200, minimum=1)
# Bulk items Elasticsearch rejects with 429 (write queue full) or 502-504 are retried this many times,
# waiting SEARCH_ES_BULK_BACKOFF seconds, then twice as long each time; what still fails is retried by the task.
SEARCH_ES_BULK_RETRIES = env_int("SEARCH_ES_BULK_RETRIES", 3, minimum=0)
SEARCH_ES_BULK_BACKOFF = env_float("SEARCH_ES_BULK_BACKOFF", 2.0, minimum=0.0)
# After Elasticsearch failed to answer, this process reports it unavailable at once for this many
# seconds instead of making every search wait for the timeout again.
SEARCH_ES_RETRY_SECONDS = env_float("SEARCH_ES_RETRY_SECONDS", 10.0, minimum=0.0)
# Pages whose indexing failed while the engine was down are indexed by this beat entry.
SEARCH_CATCH_UP_SECONDS = env_float("SEARCH_CATCH_UP_SECONDS", 60.0, minimum=1.0)
CELERY_BEAT_SCHEDULE["search-catch-up"] = {
    "task": "search.tasks.catch_up_index",
    "schedule": SEARCH_CATCH_UP_SECONDS,
    "options": {"queue": "default", "expires": SEARCH_CATCH_UP_SECONDS * 2},
}

# --- credits (school.credits: ledger, scores, rankings) ---
# Awards update aggregates incrementally; the set-based recompute (same numbers) also runs on a
# schedule to pick up membership changes and the task/exam metrics other apps provide.
CREDITS_RECOMPUTE_MINUTES = env_int("CREDITS_RECOMPUTE_MINUTES", 30, minimum=1)
CELERY_BEAT_SCHEDULE["credits-recompute-scores"] = {
    "task": "school.credits.tasks.recompute_scores_task",
    "schedule": CREDITS_RECOMPUTE_MINUTES * 60.0,
    "options": {"queue": "recompute", "expires": CREDITS_RECOMPUTE_MINUTES * 60.0},
}
# The recompute's own limits: Celery's soft time limit, and on PostgreSQL how long it waits for the
# awards' lock and how long one statement may run.
CREDITS_RECOMPUTE_SOFT_TIME_LIMIT = env_int("CREDITS_RECOMPUTE_SOFT_TIME_LIMIT", 1500, minimum=10)
CREDITS_RECOMPUTE_LOCK_TIMEOUT_SECONDS = env_float("CREDITS_RECOMPUTE_LOCK_TIMEOUT_SECONDS", 30.0, minimum=0.1)
# A statistics page bringing a quarter's, year's or overall rows up to date waits at most this long for a
# running recompute (PostgreSQL); then it shows the rows as stored, with their 数据更新于.
CREDITS_CATCH_UP_LOCK_TIMEOUT_SECONDS = env_float("CREDITS_CATCH_UP_LOCK_TIMEOUT_SECONDS", 5.0, minimum=0.1)
CREDITS_RECOMPUTE_STATEMENT_TIMEOUT_SECONDS = env_float("CREDITS_RECOMPUTE_STATEMENT_TIMEOUT_SECONDS", 600.0,
                                                        minimum=1.0)
# On the 1st of each month: recompute the periods that just closed and publish their rankings.
CELERY_BEAT_SCHEDULE["credits-publish-rankings"] = {
    "task": "school.credits.tasks.snapshot_rankings_task",
    "schedule": 6 * 3600.0,
    "options": {"queue": "default", "expires": 6 * 3600.0},
}
# Practice days are awarded once they are over (the task is in exams/tasks.py).
CELERY_BEAT_SCHEDULE["credits-practice-days"] = {
    "task": "exams.tasks.post_practice_credits",
    "schedule": 3600.0,
    "options": {"queue": "default", "expires": 3600.0},
}

# --- exams ---
# Seconds after the deadline during which autosaves and submits still count (network latency).
EXAMS_DEADLINE_GRACE_SECONDS = env_int("EXAMS_DEADLINE_GRACE_SECONDS", 5, minimum=0)
# A Chinese TrueType font file for certificates; empty = look in the usual places, else STSong-Light.
EXAMS_CERTIFICATE_FONT = env_str("EXAMS_CERTIFICATE_FONT", "")
EXAMS_PRACTICE_QUESTIONS_PER_DAY = env_int("EXAMS_PRACTICE_QUESTIONS_PER_DAY", 5, minimum=1)
EXAMS_PRACTICE_DAILY_POINTS_CAP = env_int("EXAMS_PRACTICE_DAILY_POINTS_CAP", 5, minimum=0)
# 错题本: a question leaves the book after this many correct answers in a row.
EXAMS_WRONG_BOOK_CLEAR_AFTER = env_int("EXAMS_WRONG_BOOK_CLEAR_AFTER", 2, minimum=1)
# The demo seeder imports this question file when it exists (empty: the built-in sample bank).
EXAMS_DEMO_QUESTIONS_FILE = env_str("EXAMS_DEMO_QUESTIONS_FILE",
                                    str(BASE_DIR.parent / "shared" / "corpus" / "questions.jsonl"))
# --- 答题PK (exams/battles): WebSockets through Django Channels ---
ASGI_APPLICATION = "school.asgi.application"
# Redis in production (several ASGI processes must share groups); the in-memory layer serves one process
# (`make run`, tests). The Pub/Sub layer of channels-redis: a group message is published once and each
# server process fans it out to its own sockets, where the list-based RedisChannelLayer pushes and pops one
# message per socket; with 250 四人赛 on one server the reveals' p99 fell from ~1.5 s to ~0.3 s
# (bench/battles.py, docs/exams.md). Battle frames need no delivery guarantee beyond the socket's: a client
# that reconnects is sent the battle's state.
CHANNEL_LAYER_URL = env_optional("CHANNEL_LAYER_URL")
if CHANNEL_LAYER_URL:
    CHANNEL_LAYERS = {"default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        # socket_timeout None: redis-py 8 reads with a 5-second timeout by default (django/channels_redis#422).
        "CONFIG": {"hosts": [{"address": CHANNEL_LAYER_URL, "socket_timeout": None}]},
    }}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Matchmaking pairs members of the same committee first; after this many seconds of waiting, anyone.
BATTLE_SAME_COMMITTEE_SECONDS = env_float("BATTLE_SAME_COMMITTEE_SECONDS", 5.0, minimum=0.0)
# An answer received sooner than this after its question was sent earns nothing and is flagged.
BATTLE_MIN_ANSWER_MS = env_int("BATTLE_MIN_ANSWER_MS", 500, minimum=0)
# A frame larger than this is refused; a socket sending more than BATTLE_FRAME_BURST frames at once, or
# faster than BATTLE_FRAMES_PER_SECOND on average, is closed (code 4008).
BATTLE_MAX_FRAME_BYTES = env_int("BATTLE_MAX_FRAME_BYTES", 2048, minimum=64)
BATTLE_FRAMES_PER_SECOND = env_float("BATTLE_FRAMES_PER_SECOND", 5.0, minimum=0.1)
BATTLE_FRAME_BURST = env_int("BATTLE_FRAME_BURST", 20, minimum=1)
# The pause between a question's reveal and the next question.
BATTLE_REVEAL_SECONDS = env_float("BATTLE_REVEAL_SECONDS", 3.0, minimum=0.0)
# Threads per ASGI process for the players' database calls (the battles' clock has one more of its own).
# Two keep the GIL from thrashing on a two-core server; scale with processes (one per core), not threads.
BATTLE_DB_THREADS = env_int("BATTLE_DB_THREADS", 2, minimum=1)
# The ASGI server's garbage collector tuned for a thousand open sockets (school.asgi.settle_heap).
ASGI_SETTLE_HEAP = env_bool("ASGI_SETTLE_HEAP", True)
CELERY_BEAT_SCHEDULE["exams-sweep-stale-battles"] = {
    "task": "exams.tasks.sweep_stale_battles",
    "schedule": 60.0,
    "options": {"queue": "default", "expires": 60.0},
}
EXAMS_SWEEP_INTERVAL_SECONDS = env_int("EXAMS_SWEEP_INTERVAL_SECONDS", 30, minimum=1)
# "An exam opened to you": exams whose opening time passed are announced within this many seconds.
CELERY_BEAT_SCHEDULE["exams-notify-opened"] = {"task": "exams.tasks.notify_opened_exams", "schedule": 300.0,
                                               "options": {"queue": "default", "expires": 300.0}}
CELERY_BEAT_SCHEDULE["exams-sweep-expired-attempts"] = {
    "task": "exams.tasks.sweep_expired_attempts",
    "schedule": EXAMS_SWEEP_INTERVAL_SECONDS,
    "options": {"queue": "default", "expires": EXAMS_SWEEP_INTERVAL_SECONDS},
}

# Long sources are transcoded in chunks spread over the `media` workers (docs/media.md, "Chunked
# transcoding"): sources longer than MEDIA_CHUNK_THRESHOLD_SECONDS are cut at keyframes into chunks of
# about MEDIA_CHUNK_SECONDS (stream copy); a chunk that fails is retried alone up to
# MEDIA_CHUNK_MAX_ATTEMPTS times before the video fails.
MEDIA_CHUNK_THRESHOLD_SECONDS = env_float("MEDIA_CHUNK_THRESHOLD_SECONDS", 300.0, minimum=1.0)
MEDIA_CHUNK_SECONDS = env_float("MEDIA_CHUNK_SECONDS", 120.0, minimum=1.0)
MEDIA_CHUNK_MAX_ATTEMPTS = env_int("MEDIA_CHUNK_MAX_ATTEMPTS", 3, minimum=1)
