"""One study clock per member: parallel pages and tabs cannot multiply study time, a long silence earns
nothing, and honest study (with pauses and a switch to another page) still completes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from courses.models import StudyProgress
from tests.courses.builders import make_document, make_reading, make_video_lesson


def start(client: Client, page_id: int) -> Any:
    response = client.post(f"/api/v1/progress/{page_id}/start/", content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["session"]


def beat(client: Client, page_id: int, **body: Any) -> Any:
    return client.post(f"/api/v1/progress/{page_id}/heartbeat/", json.dumps(body), content_type="application/json")


def studied(member: Any) -> float:
    return sum(StudyProgress.objects.filter(member=member).values_list("watched_seconds", flat=True))


@pytest.fixture
def member_client(personas: Any, client_for: Any) -> Client:
    client: Client = client_for(personas.member.user)
    return client


def test_it_credits_eleven_parallel_pages_no_more_than_the_real_time(personas: Any, member_client: Client,
                                                                     course: Any, clock: Any,
                                                                     settings: Any) -> None:
    settings.COURSES_MAX_PLAYBACK_RATE = 1.0
    pages = [make_video_lesson(course, title=f"视频{i}") for i in range(4)]
    pages += [make_reading(course, title=f"阅读{i}") for i in range(4)]
    pages += [make_document(f"文件{i}") for i in range(3)]
    sessions = {page.pk: start(member_client, page.pk) for page in pages}
    clock.advance(4)
    answers = [beat(member_client, page.pk, session=sessions[page.pk], seq=1, start=0, position=4)
               for page in pages]
    assert [a.status_code for a in answers] == [409] * 10 + [200]
    assert answers[0].json()["code"] == "session_replaced" and "另一" in answers[0].json()["detail"]
    assert studied(personas.member) == 4  # the wall clock, not 11 × 4 s
    assert StudyProgress.objects.get(member=personas.member, page=pages[-1]).watched_seconds == 4


def test_it_moves_the_clock_between_tabs_of_different_pages(personas: Any, client_for: Any, course: Any,
                                                            clock: Any) -> None:
    video, reading = make_video_lesson(course, duration=600.0), make_reading(course, seconds=600)
    tab_video, tab_reading = client_for(personas.member.user), client_for(personas.member.user)
    video_session, reading_session = start(tab_video, video.pk), start(tab_reading, reading.pk)
    # Both tabs keep reporting every 15 s for two minutes; only the newest (reading) earns.
    for seq in range(1, 9):
        clock.advance(15)
        old = beat(tab_video, video.pk, session=video_session, seq=seq, start=(seq - 1) * 15.0, position=seq * 15.0)
        assert old.status_code == 409
        new = beat(tab_reading, reading.pk, session=reading_session, seq=seq, start=(seq - 1) * 15.0,
                   position=seq * 15.0)
        assert new.status_code == 200 and new.json()["credited"] == 15
    # Resuming the video tab takes the clock back; the reading tab now earns nothing.
    video_session = start(tab_video, video.pk)
    clock.advance(15)
    assert beat(tab_reading, reading.pk, session=reading_session, seq=9, start=120, position=135).status_code == 409
    assert beat(tab_video, video.pk, session=video_session, seq=1, start=0, position=15).json()["credited"] == 15
    assert studied(personas.member) == 120 + 15


def test_it_lets_parallel_tabs_of_one_page_earn_the_real_time_once(personas: Any, client_for: Any, course: Any,
                                                                   clock: Any, settings: Any) -> None:
    settings.COURSES_MAX_PLAYBACK_RATE = 1.0
    lesson = make_video_lesson(course, duration=600.0)
    tabs = [client_for(personas.member.user) for _ in range(3)]
    sessions = [start(tab, lesson.pk) for tab in tabs]
    clock.advance(15)
    # Each tab claims a different 15-s part of the video for the same 15 s of real time.
    codes = [beat(tab, lesson.pk, session=session, seq=1, start=n * 100.0, position=n * 100.0 + 15).status_code
             for n, (tab, session) in enumerate(zip(tabs, sessions, strict=True))]
    assert codes == [409, 409, 200]
    assert studied(personas.member) == 15


def test_it_credits_nothing_after_a_long_silence(member_client: Client, course: Any, clock: Any,
                                                 personas: Any) -> None:
    lesson = make_video_lesson(course, duration=600.0)
    session = start(member_client, lesson.pk)
    clock.advance(600)  # start, wait ten minutes, then claim one large span
    silent = beat(member_client, lesson.pk, session=session, seq=1, start=0, position=300)
    assert silent.status_code == 200
    assert silent.json()["credited"] == 0 and silent.json()["idle"] is True
    assert studied(personas.member) == 0
    clock.advance(15)  # the silent report restarted the clock: honest watching counts again
    resumed = beat(member_client, lesson.pk, session=session, seq=2, start=300, position=315).json()
    assert resumed["credited"] == 15 and resumed["idle"] is False
    assert StudyProgress.objects.get(member=personas.member, page=lesson).intervals == [[300, 315]]


def test_it_caps_one_heartbeat_at_a_few_intervals(member_client: Client, course: Any, clock: Any,
                                                  personas: Any, settings: Any) -> None:
    settings.COURSES_HEARTBEAT_MAX_GAP = 45
    reading = make_reading(course, seconds=600)
    session = start(member_client, reading.pk)
    clock.advance(45)
    assert beat(member_client, reading.pk, session=session, seq=1, start=0, position=45).json()["credited"] == 45
    clock.advance(46)
    assert beat(member_client, reading.pk, session=session, seq=2, start=45, position=91).json()["credited"] == 0
    assert studied(personas.member) == 45


def test_it_still_completes_honest_study_with_pauses_and_a_switch(personas: Any, member_client: Client,
                                                                  course: Any, clock: Any,
                                                                  settings: Any) -> None:
    settings.COURSES_DOCUMENT_READING_SECONDS = 30
    lesson = make_video_lesson(course, duration=100.0, share=90)
    document = make_document()
    session, seq, position = start(member_client, lesson.pk), 0, 0.0

    def watch(seconds: float) -> Any:
        nonlocal seq, position
        clock.advance(seconds)
        seq += 1
        response = beat(member_client, lesson.pk, session=session, seq=seq, start=position,
                        position=position + seconds)
        position += seconds
        assert response.status_code == 200 and response.json()["credited"] == seconds, response.json()
        return response.json()

    watch(15)
    watch(15)
    clock.advance(300)  # paused for five minutes; playing again first reports a zero-length span
    seq += 1
    assert beat(member_client, lesson.pk, session=session, seq=seq, start=position, position=position).json()[
        "credited"] == 0
    watch(15)
    # Read a policy document in between: the clock moves there, and comes back with the lesson.
    doc_session = start(member_client, document.pk)
    clock.advance(15)
    beat(member_client, document.pk, session=doc_session, seq=1, start=0, position=15)
    clock.advance(15)
    read = beat(member_client, document.pk, session=doc_session, seq=2, start=15, position=30).json()
    assert read["completed"] is True
    session, seq = start(member_client, lesson.pk), 0
    for _ in range(3):
        watch(15)
    last = watch(10)
    assert last["completed"] is True
    progress = StudyProgress.objects.get(member=personas.member, page=lesson)
    assert progress.completed_at is not None and progress.watched_seconds == 100


def test_it_credits_honest_reading_whose_reports_arrive_a_little_early_or_late(personas: Any, member_client: Client,
                                                                              course: Any, clock: Any) -> None:
    reading = make_reading(course, seconds=60)
    session = start(member_client, reading.pk)
    # Four 15-s reports whose requests took 0.3 s, then 0.05 s, ... (latency and timer jitter).
    for seq, arrives_after in enumerate([15.3, 14.75, 15.2, 14.75], start=1):
        clock.advance(arrives_after)
        answer = beat(member_client, reading.pk, session=session, seq=seq, start=(seq - 1) * 15.0,
                      position=seq * 15.0).json()
        assert answer["credited"] == 15 and answer["seek"] is False, answer
    assert answer["completed"] is True
    assert StudyProgress.objects.get(member=personas.member, page=reading).completed_at is not None
