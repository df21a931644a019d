from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from tests.factories import Personas, build_personas


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
