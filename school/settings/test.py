"""Test settings: the same database and broker variables as any other environment, so .ci/run can
point the suite at PostgreSQL and Redis; faster password hashing; a file-based SQLite test database
so that a real worker process can see what a test wrote."""

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, DATABASES, VAR_DIR
from .env import env_float

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SMS_BACKEND = "school.accounts.sms.LocmemSmsBackend"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
# The embedded broker's folders of the test run, apart from the development site's var/celery/: a test
# that commits (live server, worker tests) must never leave a task for `make run`'s worker to pick up.
# tests/conftest.py empties them when a run starts.
TEST_CELERY_DIR = VAR_DIR / "test-celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(TEST_CELERY_DIR / "queue"),
        "data_folder_out": str(TEST_CELERY_DIR / "queue"),
        "control_folder": str(TEST_CELERY_DIR / "control"),
        "polling_interval": 0.5,
    }
# Each test sees the broker as it makes it (no memory of another test's outage); one test turns it on.
TASKS_OUTBOX_RETRY_SECONDS = env_float("TASKS_OUTBOX_RETRY_SECONDS", 0.0, minimum=0.0)
# Tests build their own data and never read ../shared/corpus (the demo seeders fall back to built-in samples).
EXAMS_DEMO_QUESTIONS_FILE = ""
COURSES_DEMO_CORPUS_DIR = VAR_DIR / "no-corpus-in-tests"
MEDIA_DEMO_VIDEOS_DIR = VAR_DIR / "no-corpus-in-tests" / "videos"
# A test that imports school.asgi for its application must not retune the collector of the whole test process.
ASGI_SETTLE_HEAP = False
