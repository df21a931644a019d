"""Production: refuses to start with DEBUG on or with the development keys."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    CACHES,
    CELERY_BROKER_URL,
    DATABASES,
    DEBUG,
    DEV_SECRET_KEY,
    FIELD_ENCRYPTION_KEY,
    SECRET_KEY,
    SMS_BACKEND,
    TENCENT_SMS_SDK_APP_ID,
    TENCENT_SMS_SECRET_ID,
    TENCENT_SMS_SECRET_KEY,
    TENCENT_SMS_SIGN_NAME,
    TENCENT_SMS_TEMPLATE_ID,
)
from .env import env_bool, env_float, env_int

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")
if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 50 characters.")
if FIELD_ENCRYPTION_KEY in (DEV_SECRET_KEY, SECRET_KEY):
    raise ImproperlyConfigured("Set FIELD_ENCRYPTION_KEY to its own random value (it protects ID numbers).")
if SMS_BACKEND.endswith("TencentSmsBackend") and not all((
        TENCENT_SMS_SECRET_ID, TENCENT_SMS_SECRET_KEY, TENCENT_SMS_SDK_APP_ID, TENCENT_SMS_SIGN_NAME,
        TENCENT_SMS_TEMPLATE_ID)):
    raise ImproperlyConfigured("SMS_BACKEND is Tencent Cloud SMS: set TENCENT_SMS_SECRET_ID, TENCENT_SMS_SECRET_KEY, "
                               "TENCENT_SMS_SDK_APP_ID, TENCENT_SMS_SIGN_NAME and TENCENT_SMS_TEMPLATE_ID.")
# The single-machine defaults break on several machines (and are not meant for production on one either):
# a broker in one machine's folder, a database file, a cache per process (login lockout counted per process).
if CELERY_BROKER_URL.startswith("filesystem://"):
    raise ImproperlyConfigured("CELERY_BROKER_URL is the embedded file-system broker: set CELERY_BROKER_URL=redis://… "
                               "(its own Redis instance, see docs/deployment.md).")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    raise ImproperlyConfigured("DATABASE_URL is SQLite: set DATABASE_URL=postgres://… in production.")
if str(CACHES["default"]["BACKEND"]).endswith("LocMemCache"):
    raise ImproperlyConfigured("CACHE_URL is not set (a cache per process counts login lockouts per process): "
                               "set CACHE_URL=redis://… in production.")

# Web and worker processes refuse to start on a MEDIA_ROOT that fails the shared-storage contract.
STORAGE_CHECK_AT_START = env_bool("STORAGE_CHECK_AT_START", True)

# Celery's soft shutdown: on a cold shutdown (SIGQUIT, or a second SIGTERM) running tasks still get
# this many seconds before they are cut off (the systemd units stop workers with KillMode=mixed).
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env_float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", 60.0, minimum=0.0)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_SAMESITE = "Lax"
# Not HttpOnly: the study tracker and Swagger UI read the token from the cookie (Django's docs: an
# HttpOnly CSRF cookie adds no protection, the token is in every form anyway).
CSRF_COOKIE_HTTPONLY = False
# The member site is never framed; school.security.csp sends SAMEORIGIN only under /admin/ (previews).
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
