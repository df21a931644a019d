"""A Redis cache that degrades instead of failing (``CACHES`` uses it whenever ``CACHE_URL`` is set).

Nothing in the project keeps data only in the cache: it holds the access gate of courses (recomputed
from the database on a miss), login failure counters (not counting while Redis is down means not
blocking, which is the chosen fail-open), Wagtail's site lookups. So when Redis is unreachable every
read is a miss, every write a no-op (``add`` answers False, ``incr`` raises ``ValueError`` as for a
missing key), the failure is logged, and for ``CACHE_RETRY_SECONDS`` the process does not even try
Redis (a small circuit breaker: a page pays at most one failed connect, bounded by the socket
timeouts in ``OPTIONS``). When Redis answers again the cache simply fills up again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis.exceptions
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

T = TypeVar("T")
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

# Per process and server: until when calls skip Redis (monotonic clock). Cache objects are per
# thread in Django, the outage is not.
_down_until: dict[str, float] = {}


class TolerantRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._server_key = str(server)

    def is_down(self) -> bool:
        until = _down_until.get(self._server_key)
        return until is not None and time.monotonic() < until

    def _call(self, fn: Callable[[], T], fallback: Callable[[], T], what: str) -> T:
        if self.is_down():
            return fallback()
        try:
            result = fn()
        except UNREACHABLE as exc:
            if self._server_key not in _down_until:
                logger.warning("cache: Redis unreachable (%s: %s); serving without the cache", what, exc)
            else:
                logger.info("cache: Redis still unreachable (%s: %s)", what, exc)
            _down_until[self._server_key] = time.monotonic() + float(getattr(settings, "CACHE_RETRY_SECONDS", 5.0))
            return fallback()
        if _down_until.pop(self._server_key, None) is not None:
            logger.warning("cache: Redis answers again")
        return result

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(lambda: super(TolerantRedisCache, self).add(key, value, timeout, version),
                          lambda: False, "add")

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call(lambda: super(TolerantRedisCache, self).get(key, default, version), lambda: default, "get")

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._call(lambda: super(TolerantRedisCache, self).set(key, value, timeout, version), lambda: None, "set")

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(lambda: super(TolerantRedisCache, self).touch(key, timeout, version), lambda: False,
                          "touch")

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call(lambda: super(TolerantRedisCache, self).delete(key, version), lambda: False, "delete")

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._call(lambda: super(TolerantRedisCache, self).get_many(keys, version), dict, "get_many")

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call(lambda: super(TolerantRedisCache, self).has_key(key, version), lambda: False, "has_key")

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        def missing() -> int:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")

        return self._call(lambda: super(TolerantRedisCache, self).incr(key, delta, version), missing, "incr")

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return self._call(lambda: super(TolerantRedisCache, self).set_many(data, timeout, version),
                          lambda: list(data), "set_many")

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._call(lambda: super(TolerantRedisCache, self).delete_many(keys, version), lambda: None, "delete_many")

    def clear(self) -> None:
        self._call(lambda: super(TolerantRedisCache, self).clear(), lambda: None, "clear")
