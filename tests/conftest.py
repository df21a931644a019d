from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import Personas, build_personas

# The configured database (this module is imported before any test database exists).
CONFIGURED_DATABASE = settings.DATABASES["default"]["NAME"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any, django_db_keepdb: bool, django_db_createdb: bool,
                    request: pytest.FixtureRequest) -> Iterator[None]:
    """pytest-django's test database; when the browser journeys (``journey`` marker) are collected, also
    keep its post-migration contents (Wagtail's root page, site, locale, groups, default workflow) —
    what ``serialized_rollback`` keeps for a single test — so that the journeys, which share one
    database across three test modules without pytest-django's per-test flush, can start from them.
    The journeys use no pytest-django database fixture, so when only they are collected the test
    database is created here."""
    if not any(item.get_closest_marker("journey") for item in request.session.items):
        yield
        return
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    from tests.e2e.story import POST_MIGRATION, TEST_DATABASE

    connection = connections["default"]
    created = None
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] == CONFIGURED_DATABASE:  # no test database yet
            created = setup_databases(verbosity=request.config.option.verbose, interactive=False,
                                      aliases={"default"}, serialized_aliases=set(),  # type: ignore[arg-type]
                                      keepdb=django_db_keepdb and not django_db_createdb)
        assert connection.settings_dict["NAME"] != CONFIGURED_DATABASE
        TEST_DATABASE["default"] = connection.settings_dict["NAME"]
        POST_MIGRATION["default"] = connection.creation.serialize_db_to_string()
        # Fixture setup and the tests may see different connection objects (asgiref keeps them per
        # context): close this one, or PostgreSQL refuses to drop the database at the end.
        connection.close()
    yield
    if created is not None and not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(created, verbosity=request.config.option.verbose)


def pytest_sessionstart(session: pytest.Session) -> None:
    """The embedded broker's test queue starts empty: a task left by an earlier run names rows of an
    earlier test database."""
    import shutil

    folder = getattr(settings, "TEST_CELERY_DIR", None)
    if folder is not None and settings.CELERY_BROKER_URL.startswith("filesystem://"):
        for sub in ("queue", "control"):
            shutil.rmtree(folder / sub, ignore_errors=True)
            (folder / sub).mkdir(parents=True, exist_ok=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fault tests (marker ``heavy``) run only when asked for with ``-m heavy`` (``make test-heavy``)."""
    if "heavy" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="heavy fault test (stops and restarts real processes): run `make test-heavy`")
    for item in items:
        if item.get_closest_marker("heavy") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests reach only this machine (the database, Redis, servers they start on loopback)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in {"127.0.0.1", "localhost", "::1"} and not host.startswith("/"):
            raise RuntimeError(f"network access blocked in tests: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("uploads"))


@pytest.fixture
def personas(db: None) -> Personas:
    return build_personas()


@pytest.fixture
def client_for() -> Iterator[Callable[[Any], Client]]:
    def make(user: Any) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    yield make


@pytest.fixture
def redis_server(tmp_path: Any) -> Iterator[Any]:
    """A private redis-server on a free port for fault tests (never the machine's Redis), stopped after
    the test; skipped with the reason when redis-server is not installed."""
    from tests.faults.processes import RedisServer

    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def wagtail_site(transactional_db: None) -> Any:
    """Wagtail's root page, locale and default site, which migrations create and the flush after an
    earlier transactional test removes (browser journeys, fault tests with real processes)."""
    from django.conf import settings
    from wagtail.models import Locale, Page, Site

    if Site.objects.filter(is_default_site=True).exists():
        return Site.objects.get(is_default_site=True)
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=Page(title="首页", slug="home"))
    return Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
