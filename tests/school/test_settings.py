import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from school.settings import env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("helper, value", [
    (lambda: env.env_bool("X_TEST", False), "maybe"),
    (lambda: env.env_int("X_TEST", 1), "ten"),
    (lambda: env.env_int("X_TEST", 1, minimum=0), "-5"),
    (lambda: env.env_float("X_TEST", 1.0, minimum=0.1), "nan"),
    (lambda: env.env_database("X_TEST", "sqlite:///x", conn_max_age=0), "mysql://u@h/db"),
    (lambda: env.env_database("X_TEST", "sqlite:///x", conn_max_age=0), "not a url"),
])
def test_it_fails_loudly_on_bad_environment_values(monkeypatch, helper, value):
    monkeypatch.setenv("X_TEST", value)
    with pytest.raises(ImproperlyConfigured, match="X_TEST"):
        helper()


def test_it_parses_good_values(monkeypatch):
    monkeypatch.setenv("X_TEST", "yes")
    assert env.env_bool("X_TEST", False) is True
    monkeypatch.setenv("X_TEST", "postgres://u@127.0.0.1:5432/db")
    assert env.env_database("X_TEST", "sqlite:///x", conn_max_age=60)["CONN_MAX_AGE"] == 60


# The services of a multi-machine deployment (nothing connects to them during `check`).
SERVICES = {"DATABASE_URL": "postgres://school@127.0.0.1:5432/school", "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            "CACHE_URL": "redis://127.0.0.1:6379/1"}


def _production(extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    dropped = {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", *SERVICES}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    environ = {**base, "DJANGO_SETTINGS_MODULE": "school.settings.production", **SERVICES, **extra}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=120)


def test_production_refuses_the_development_secret_and_debug():
    assert "SECRET_KEY" in _production({}, "check").stderr
    strong = {"SECRET_KEY": "s" * 60, "FIELD_ENCRYPTION_KEY": "f" * 60}
    assert "DEBUG" in _production({**strong, "DEBUG": "1"}, "check").stderr
    assert "FIELD_ENCRYPTION_KEY" in _production({"SECRET_KEY": "s" * 60}, "check").stderr


def test_it_refuses_the_single_machine_broker_database_and_cache_in_production():
    strong = {"SECRET_KEY": "s" * 60, "FIELD_ENCRYPTION_KEY": "f" * 60}
    broker = _production({**strong, "CELERY_BROKER_URL": "filesystem://"}, "check")
    assert broker.returncode != 0 and "CELERY_BROKER_URL" in broker.stderr
    database = _production({**strong, "DATABASE_URL": "sqlite:////tmp/school.sqlite3"}, "check")
    assert database.returncode != 0 and "DATABASE_URL" in database.stderr
    cache = _production({**strong, "CACHE_URL": ""}, "check")
    assert cache.returncode != 0 and "CACHE_URL" in cache.stderr


def test_production_passes_the_deployment_checklist():
    result = _production({"SECRET_KEY": secrets.token_urlsafe(60), "FIELD_ENCRYPTION_KEY": "f" * 60}, "check", "--deploy",
                         "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
