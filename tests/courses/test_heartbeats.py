from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from courses.models import StudyProgress
from courses.signals import lesson_completed
from tests.courses.builders import make_course, make_reading, make_video_lesson


def start(client: Client, page_id: int) -> Any:
    return client.post(f"/api/v1/progress/{page_id}/start/", content_type="application/json")


def beat(client: Client, page_id: int, **body: Any) -> Any:
    return client.post(f"/api/v1/progress/{page_id}/heartbeat/", json.dumps(body), content_type="application/json")


@pytest.fixture
def lesson(course: Any) -> Any:
    return make_video_lesson(course, duration=100.0, share=90)


@pytest.fixture
def member_client(personas: Any, client_for: Any) -> Client:
    client: Client = client_for(personas.member.user)
    return client


def test_it_credits_real_watching_and_completes_once(member_client: Client, lesson: Any, clock: Any,
                                                     django_capture_on_commit_callbacks: Any) -> None:
    events: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        events.append(kwargs)

    lesson_completed.connect(receiver)
    try:
        session = start(member_client, lesson.pk).json()["session"]
        position = 0.0
        with django_capture_on_commit_callbacks(execute=True):
            for seq in range(1, 8):
                clock.advance(15)
                response = beat(member_client, lesson.pk, session=session, seq=seq, start=position,
                                position=min(position + 15, 100))
                assert response.status_code == 200, response.content
                position = min(position + 15, 100)
    finally:
        lesson_completed.disconnect(receiver)
    progress = StudyProgress.objects.get(page=lesson)
    assert progress.watched_seconds == 100 and progress.intervals == [[0, 100]]
    assert progress.completed_at is not None and progress.position == 100
    assert len(events) == 1 and events[0]["lesson_id"] == lesson.pk
    assert events[0]["member_id"] == progress.member_id


def test_it_credits_nothing_for_seeking_ahead(member_client: Client, lesson: Any, clock: Any) -> None:
    session = start(member_client, lesson.pk).json()["session"]
    clock.advance(10)
    assert beat(member_client, lesson.pk, session=session, seq=1, start=0, position=10).json()["credited"] == 10
    clock.advance(5)
    response = beat(member_client, lesson.pk, session=session, seq=2, position=99).json()
    assert response["seek"] is True and response["credited"] == 0
    progress = StudyProgress.objects.get(page=lesson)
    assert progress.intervals == [[0, 10]] and progress.completed_at is None and progress.position == 99


def test_it_cannot_be_completed_by_seeking_to_the_end(member_client: Client, lesson: Any, clock: Any) -> None:
    session = start(member_client, lesson.pk).json()["session"]
    for seq in range(1, 20):
        clock.advance(1)
        beat(member_client, lesson.pk, session=session, seq=seq, start=(seq - 1) * 5, position=seq * 5)
    progress = StudyProgress.objects.get(page=lesson)
    assert progress.watched_seconds <= 19 * 2 and progress.completed_at is None


def test_it_adds_nothing_for_rewatching(member_client: Client, lesson: Any, clock: Any) -> None:
    session = start(member_client, lesson.pk).json()["session"]
    clock.advance(20)
    beat(member_client, lesson.pk, session=session, seq=1, start=0, position=20)
    clock.advance(20)
    response = beat(member_client, lesson.pk, session=session, seq=2, start=0, position=20).json()
    assert response["credited"] == 0 and response["watched_seconds"] == 20


def test_it_ignores_replayed_and_out_of_order_heartbeats(member_client: Client, lesson: Any, clock: Any) -> None:
    session = start(member_client, lesson.pk).json()["session"]
    clock.advance(30)
    assert beat(member_client, lesson.pk, session=session, seq=2, start=0, position=30).status_code == 200
    before = StudyProgress.objects.get(page=lesson)
    clock.advance(30)
    replay = beat(member_client, lesson.pk, session=session, seq=2, start=30, position=60)
    late = beat(member_client, lesson.pk, session=session, seq=1, start=30, position=60)
    assert replay.status_code == 409 and late.status_code == 409
    assert replay.json()["code"] == "stale" and "已" in replay.json()["detail"]
    after = StudyProgress.objects.get(page=lesson)
    assert (after.intervals, after.last_seq, after.position) == (before.intervals, before.last_seq, before.position)


def test_it_lets_only_the_newest_session_earn(personas: Any, client_for: Any, lesson: Any, clock: Any) -> None:
    phone, laptop = client_for(personas.member.user), client_for(personas.member.user)
    old = start(phone, lesson.pk).json()["session"]
    new = start(laptop, lesson.pk).json()["session"]
    clock.advance(15)
    refused = beat(phone, lesson.pk, session=old, seq=1, start=0, position=15)
    assert refused.status_code == 409 and refused.json()["code"] == "session_replaced"
    assert beat(laptop, lesson.pk, session=new, seq=1, start=0, position=15).status_code == 200
    assert StudyProgress.objects.get(page=lesson).watched_seconds == 15


def test_it_refuses_captured_heartbeats_replayed_in_a_later_session(member_client: Client, lesson: Any,
                                                                    clock: Any) -> None:
    session = start(member_client, lesson.pk).json()["session"]
    captured = [{"session": session, "seq": n, "start": (n - 1) * 15.0, "position": n * 15.0} for n in range(1, 7)]
    for body in captured[:2]:
        clock.advance(15)
        beat(member_client, lesson.pk, **body)
    start(member_client, lesson.pk)
    for body in captured:
        clock.advance(15)
        assert beat(member_client, lesson.pk, **body).status_code == 409
    assert StudyProgress.objects.get(page=lesson).watched_seconds == 30


def test_it_resumes_where_the_member_left_off_on_another_device(personas: Any, client_for: Any, lesson: Any,
                                                                clock: Any) -> None:
    phone = client_for(personas.member.user)
    session = start(phone, lesson.pk).json()["session"]
    clock.advance(40)
    beat(phone, lesson.pk, session=session, seq=1, start=0, position=40)
    info = start(client_for(personas.member.user), lesson.pk).json()
    assert info["position"] == 40 and info["watched_seconds"] == 40 and info["duration"] == 100


def test_it_counts_reading_time_at_real_speed(member_client: Client, course: Any, clock: Any) -> None:
    reading = make_reading(course, seconds=60)
    session = start(member_client, reading.pk).json()["session"]
    clock.advance(30)
    fast = beat(member_client, reading.pk, session=session, seq=1, start=0, position=45).json()
    assert fast["credited"] == 0  # 45 s of reading in 30 s is not possible
    clock.advance(30)
    assert beat(member_client, reading.pk, session=session, seq=2, start=0, position=30).json()["credited"] == 30
    clock.advance(30)
    done = beat(member_client, reading.pk, session=session, seq=3, start=30, position=60).json()
    assert done["completed"] is True


BAD_BODIES = [
    ("negative", {"seq": 1, "position": -5}),
    ("nan", {"seq": 1, "position": "NaN"}),
    ("huge", {"seq": 1, "position": 1e300}),
    ("text", {"seq": 1, "position": "abc"}),
    ("boolean", {"seq": 1, "position": True}),
    ("past_duration", {"seq": 1, "position": 150}),
    ("start_after_position", {"seq": 1, "start": 50, "position": 40}),
    ("no_seq", {"position": 10}),
    ("negative_seq", {"seq": -1, "position": 10}),
    ("float_seq", {"seq": 1.5, "position": 10}),
]


@pytest.mark.parametrize(("name", "body"), BAD_BODIES, ids=[n for n, _b in BAD_BODIES])
def test_it_rejects_bad_positions_with_a_chinese_message(member_client: Client, lesson: Any, clock: Any,
                                                         name: str, body: dict[str, Any]) -> None:
    session = start(member_client, lesson.pk).json()["session"]
    before = StudyProgress.objects.get(page=lesson)
    clock.advance(15)
    response = beat(member_client, lesson.pk, session=session, **body)
    assert 400 <= response.status_code < 500
    data = response.json()
    assert data["code"] and any("\u4e00" <= ch <= "\u9fff" for ch in data["detail"])
    after = StudyProgress.objects.get(page=lesson)
    assert (after.intervals, after.last_seq, after.position, after.updated_at) == (
        before.intervals, before.last_seq, before.position, before.updated_at)


def test_it_rejects_nan_written_as_a_json_literal(member_client: Client, lesson: Any, clock: Any) -> None:
    session = start(member_client, lesson.pk).json()["session"]
    raw = f'{{"session": "{session}", "seq": 1, "position": NaN}}'
    response = member_client.post(f"/api/v1/progress/{lesson.pk}/heartbeat/", raw, content_type="application/json")
    assert response.status_code == 400
    assert StudyProgress.objects.get(page=lesson).last_seq == 0


def test_it_rejects_malformed_json(member_client: Client, lesson: Any) -> None:
    start(member_client, lesson.pk)
    response = member_client.post(f"/api/v1/progress/{lesson.pk}/heartbeat/", "{not json",
                                  content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]
    assert StudyProgress.objects.get(page=lesson).last_seq == 0


def test_it_refuses_unpublished_lessons(member_client: Client, lesson: Any, clock: Any) -> None:
    session = start(member_client, lesson.pk).json()["session"]
    lesson.unpublish()
    clock.advance(15)
    response = beat(member_client, lesson.pk, session=session, seq=1, start=0, position=15)
    assert response.status_code == 404 and "课" in response.json()["detail"]
    assert StudyProgress.objects.get(page=lesson).watched_seconds == 0
    from courses.access import forget_page

    forget_page(lesson.pk)
    assert start(member_client, lesson.pk).status_code == 404


def test_it_refuses_lessons_of_another_organizations_private_course(personas: Any, client_for: Any,
                                                                    clock: Any) -> None:
    private = make_course("X委专题", allowed=[personas.other_committee])
    lesson = make_video_lesson(private)
    outsider = client_for(personas.member.user)
    assert start(outsider, lesson.pk).status_code == 404
    assert beat(outsider, lesson.pk, session="x" * 32, seq=1, position=1).status_code == 404
    assert client_for(personas.member.user).get(lesson.url).status_code == 404
    insider = client_for(personas.member_x.user)
    assert start(insider, lesson.pk).status_code == 200
    assert insider.get(lesson.url).status_code == 200
    assert not StudyProgress.objects.filter(member=personas.member).exists()


def test_it_refuses_someone_elses_session(personas: Any, client_for: Any, lesson: Any, clock: Any) -> None:
    session = start(client_for(personas.member.user), lesson.pk).json()["session"]
    other = client_for(personas.member_a2.user)
    clock.advance(15)
    response = beat(other, lesson.pk, session=session, seq=1, start=0, position=15)
    assert response.status_code == 409
    start(other, lesson.pk)
    assert beat(other, lesson.pk, session=session, seq=1, start=0, position=15).status_code == 409
    assert StudyProgress.objects.get(member=personas.member).watched_seconds == 0
    assert StudyProgress.objects.get(member=personas.member_a2).watched_seconds == 0


def test_it_requires_csrf_and_login(personas: Any, lesson: Any, client_for: Any) -> None:
    anonymous = Client()
    assert anonymous.post(f"/api/v1/progress/{lesson.pk}/start/").status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(personas.member.user)
    response = strict.post(f"/api/v1/progress/{lesson.pk}/start/", content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert not StudyProgress.objects.exists()
    assert client_for(personas.member.user).get(f"/api/v1/progress/{lesson.pk}/heartbeat/").status_code == 405


def test_it_answers_the_authenticated_ping(personas: Any, client_for: Any) -> None:
    assert client_for(personas.member.user).post("/api/v1/ping/").json() == {"ok": True}
    assert Client().post("/api/v1/ping/").status_code == 403
