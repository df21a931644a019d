"""The Redis cache unreachable (CACHE_URL pointing at a port nobody listens on): every read is a miss,
every write a no-op, the site keeps working — logins (throttling), Wagtail pages, the courses access
gate, heartbeats — and the process stops trying Redis for CACHE_RETRY_SECONDS after a failure.
(Stopping and restarting a real Redis is in tests/faults/test_redis_outage.py.)"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.test import Client

from courses.models import StudyProgress
from school import cache as tolerant
from tests.courses.builders import make_course, make_video_lesson
from tests.factories import PASSWORD, Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings: Any) -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    settings.CACHES = {"default": {"BACKEND": "school.cache.TolerantRedisCache", "LOCATION": url,
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    settings.CACHE_RETRY_SECONDS = 60
    tolerant._down_until.pop(url, None)
    return url


def test_it_answers_misses_and_ignores_writes_while_redis_is_unreachable(redis_down: str) -> None:
    assert cache.get("k") is None and cache.get("k", "default") == "default"
    cache.set("k", 1)
    assert cache.add("k", 1) is False
    with pytest.raises(ValueError, match="not found"):
        cache.incr("k")
    assert cache.get_or_set("k", lambda: "computed") == "computed"
    assert cache.get_many(["a", "b"]) == {} and cache.has_key("k") is False
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.delete("k") is False and cache.touch("k") is False
    cache.delete_many(["a"])
    cache.clear()


def test_it_stops_trying_redis_for_a_while_after_a_failure(redis_down: str, monkeypatch: pytest.MonkeyPatch,
                                                           settings: Any) -> None:
    tries: list[str] = []
    real_get = RedisCacheClient.get

    def counted(self: RedisCacheClient, key: Any, default: Any) -> Any:
        tries.append(key)
        return real_get(self, key, default)

    monkeypatch.setattr(RedisCacheClient, "get", counted)
    for _ in range(5):
        assert cache.get("gate") is None
    assert len(tries) == 1 and cache.is_down()  # type: ignore[attr-defined]
    settings.CACHE_RETRY_SECONDS = 0
    tolerant._down_until[redis_down] = 0.0  # the retry window is over
    assert cache.get("gate") is None
    assert len(tries) == 2


def test_it_keeps_logins_pages_and_heartbeats_working_without_redis(personas: Personas, redis_down: str) -> None:
    course = make_course("党史专题")
    lesson = make_video_lesson(course, duration=100.0)
    client = Client()
    response = client.post("/accounts/login/", {"username": "xiaoming", "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[-500:]
    for path in ("/", "/courses/", course.url, lesson.url, "/me/"):
        assert client.get(path).status_code == 200, path
    started = client.post(f"/api/v1/progress/{lesson.pk}/start/", content_type="application/json")
    assert started.status_code == 200
    beat = client.post(f"/api/v1/progress/{lesson.pk}/heartbeat/",
                       json.dumps({"session": started.json()["session"], "seq": 1, "start": 0, "position": 0}),
                       content_type="application/json")
    assert beat.status_code == 200, beat.content
    assert StudyProgress.objects.get(member=personas.member, page_id=lesson.pk).last_seq == 1
    # Someone else's private course stays private: the gate is recomputed from the database, not skipped.
    private = make_course("支部书记培训", allowed=[personas.other_committee])
    assert client.get(private.url).status_code == 404
