"""Test settings: the same database and broker variables as any other environment, so .ci/run can
point the suite at PostgreSQL and Redis; faster password hashing; a file-based SQLite test database
so that a real worker process can see what a test wrote."""

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
EXAMS_DEMO_QUESTIONS_FILE = ""  # tests build their own data, never shared/corpus
