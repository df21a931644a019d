"""Schemathesis against the project's own OpenAPI schema (/api/schema/), in-process, as a member and as an
administrator: no 5xx, every answer documented (status code, content type, headers, body schema), invalid
input refused with a 4xx.

Generated data alone would mostly hit 404s (random ids), so most examples are steered onto real objects:
the member's open attempt with answers that fit its paper, today's practice questions, a lesson with a live
playback session. State-changing operations run last, in the order a member takes them.

One case in four is then made hostile with shapes that no column holds (school/security/input.py): ids and
integers beyond 64 bits, strings with NUL or a lone surrogate; and every operation with a body also gets a body
nested 100,000 levels deep. All of them must be documented 4xx answers, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from courses.models import StudyProgress
from courses.services.progress import start_session
from exams import services as exam_services
from exams.models import Answer, Attempt, PracticeAnswer, QuestionVersion
from exams.services.practice import practice_day
from search.backends import get_backend
from tests.api.conftest import SUMMARY
from tests.courses.builders import make_course, make_reading, make_video_lesson
from tests.exams.builders import fill_bank, make_bank, make_exam
from tests.factories import Personas
from tests.search.builders import library

# Values no database column holds: beyond a 64-bit signed integer; NUL and lone surrogates in text.
BEYOND_64_BITS = st.one_of(st.integers(2**63, 2**80), st.integers(-(2**80), -(2**63) - 1))
BAD_TEXT = st.builds(lambda head, bad, tail: head + bad + tail, st.text(max_size=3),
                     st.sampled_from(["\x00", "\ud800", "\udfff", "\x00\x00\x00"]), st.text(max_size=3))
# A URL carries bytes: a lone surrogate cannot be encoded into one (and invalid UTF-8 is decoded as U+FFFD).
BAD_URL_TEXT = st.builds(lambda head, bad, tail: head + bad + tail, st.text(max_size=3),
                         st.sampled_from(["\x00", "\x00\x00\x00"]), st.text(max_size=3))
DEEP_JSON = b"[" * 100_000 + b"]" * 100_000
# Examples per operation and generation mode (positive, negative): the whole fuzz stays well under a minute.
MAX_EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]
# A member's state-changing operations, in the order they are fuzzed after all the others.
ORDER = ["/api/v1/progress/{page_id}/heartbeat/", "/api/v1/progress/{page_id}/start/", "/api/v1/exams/practice/",
         "/api/v1/exams/attempts/{id}/answers/", "/api/v1/exams/attempts/{id}/submit/",
         "/api/v1/exams/attempts/{id}/result/", "/api/v1/exams/{id}/start/"]


@dataclass
class Scenario:
    path: dict[str, Any]
    body: dict[str, Any] | None = None


@dataclass
class World:
    scenarios: dict[str, list[Scenario]] = field(default_factory=dict)


@pytest.fixture
def app() -> Iterator[WSGIHandler]:
    """Django's WSGI handler inside the test's transaction: as with Django's test client, requests must
    not close the connection that holds it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def fitting_responses(version: QuestionVersion) -> list[Any]:
    """Responses the question accepts (right or wrong), so that saves reach the database."""
    if version.qtype == "fill":
        return [["为人民服务"] * version.blanks, ["  错 误  "] * version.blanks]
    if version.qtype == "multiple":
        return [["A", "C"], ["b"]]
    return ["A", " b "]


def build_world(personas: Personas) -> World:
    get_backend().index(library())
    bank = make_bank(personas.trainer)
    bank.use = "both"  # practice and exams
    bank.save()
    fill_bank(bank, "single", 4)
    fill_bank(bank, "multiple", 2, start=50)
    fill_bank(bank, "judge", 2, start=70)
    fill_bank(bank, "fill", 2, start=80)
    sections = [{"qtype": "single", "count": 2, "points": Decimal(2)}, {"qtype": "multiple", "count": 1,
                "points": Decimal(3)}, {"qtype": "judge", "count": 1, "points": Decimal(1)},
                {"qtype": "fill", "count": 1, "points": Decimal(4)}]
    exam = make_exam(personas.trainer, bank, targets=[personas.branch_group_a], sections=[dict(s) for s in sections],
                     certificate_on_pass=True, attempts_allowed=3, pass_mark=Decimal(1))
    fresh = make_exam(personas.trainer, bank, title="未开始的考试", targets=[personas.branch_group_a],
                      sections=[dict(s) for s in sections])
    attempt, _created = exam_services.do_start_attempt(personas.member, exam)
    foreign, _created = exam_services.do_start_attempt(personas.member_a2, exam)
    versions = QuestionVersion.objects.in_bulk([item["v"] for item in attempt.paper])
    seed = str(attempt.seed)
    answers = [Scenario({"id": attempt.pk}, {"question": v.pk, "response": r, "seed": seed})
               for v in versions.values() for r in fitting_responses(v)]
    mine = [Scenario({"id": attempt.pk}), Scenario({"id": attempt.pk}), Scenario({"id": foreign.pk})]
    course = make_course()
    video, reading = make_video_lesson(course), make_reading(course)
    sessions = {page.pk: start_session(personas.member.user, page.pk)["session"] for page in (video, reading)}
    day = practice_day(personas.member)
    practice = QuestionVersion.objects.in_bulk(day.version_ids)
    return World(scenarios={
        "/api/v1/exams/{id}/start/": [Scenario({"id": exam.pk}), Scenario({"id": fresh.pk})],
        "/api/v1/exams/attempts/{id}/": mine,
        "/api/v1/exams/attempts/{id}/answers/": [*answers, Scenario({"id": foreign.pk}, answers[0].body)],
        "/api/v1/exams/attempts/{id}/submit/": [Scenario({"id": attempt.pk}, {"seed": seed}), *mine],
        "/api/v1/exams/attempts/{id}/result/": mine,
        "/api/v1/exams/practice/": [Scenario({}, {"question": v.pk, "response": r})
                                    for v in practice.values() for r in fitting_responses(v)],
        "/api/v1/organizations/{id}/": [Scenario({"id": personas.a1.pk}), Scenario({"id": personas.x1.pk})],
        "/api/v1/members/{id}/": [Scenario({"id": personas.member.pk}), Scenario({"id": personas.member_x.pk})],
        "/api/v1/progress/{page_id}/start/": [Scenario({"page_id": video.pk}), Scenario({"page_id": reading.pk})],
        "/api/v1/progress/{page_id}/heartbeat/": [
            Scenario({"page_id": page_id}, {"session": token, "start": 0, "position": 1})
            for page_id, token in sessions.items()],
    })


def hostile(value: Any, draw: st.DrawFn, *, in_url: bool = False) -> Any:
    """The value with every integer beyond 64 bits and every string holding NUL or a lone surrogate (in a body,
    some of its objects' keys too)."""
    bad = BAD_URL_TEXT if in_url else BAD_TEXT
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return draw(BEYOND_64_BITS)
    if isinstance(value, str):
        return draw(bad)
    if isinstance(value, list):
        return [hostile(item, draw, in_url=in_url) for item in value]
    if isinstance(value, dict):
        return {(draw(bad) if not in_url and draw(st.booleans()) else key): hostile(item, draw, in_url=in_url)
                for key, item in value.items()}
    return value


def steered(operation: Any, world: World, mode: GenerationMode) -> st.SearchStrategy[Any]:
    """Generated cases; for positive ones, three in four put onto one of the operation's real scenarios; then one
    in four made hostile (path, query and body)."""
    scenarios = world.scenarios.get(operation.path, []) if mode == GenerationMode.POSITIVE else []

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        case = draw(operation.as_strategy(generation_mode=mode))
        if scenarios and draw(st.integers(0, 3)) > 0:
            scenario = draw(st.sampled_from(scenarios))
            case.path_parameters = {**(case.path_parameters or {}), **scenario.path}
            if scenario.body is not None:
                body = dict(case.body) if isinstance(case.body, dict) else {}
                if "seq" in body or operation.path.endswith("/heartbeat/"):
                    body["seq"] = draw(st.integers(1, 10**6))
                case.body = {**body, **scenario.body}
        if mode == GenerationMode.POSITIVE and draw(st.integers(0, 3)) == 0:
            if case.path_parameters:
                case.path_parameters = hostile(case.path_parameters, draw, in_url=True)
            if case.query:
                case.query = hostile(case.query, draw, in_url=True)
            if isinstance(case.body, dict | list):
                # Sent as bytes, not put into the case: schemathesis cannot encode a lone surrogate (json.dumps
                # escapes it as \ud800, as a client's JSON encoder does).
                return case, json.dumps(hostile(case.body, draw)).encode()
        return case, None

    return build()


@dataclass
class Tally:
    examples: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def runner(operation: Any, mode: GenerationMode, world: World, app: WSGIHandler, cookies: dict[str, str],
           tally: Tally) -> Any:
    @hypothesis_settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(HealthCheck), print_blob=False)
    @given(generated=steered(operation, world, mode))
    def run(generated: tuple[Any, bytes | None]) -> None:
        case, data = generated
        headers = {"X-CSRFToken": cookies["csrftoken"]}
        body = {} if data is None else {"data": data}
        response = case.call(app=app, cookies=cookies, headers=headers, **body)
        tally.examples[operation.label] += 1
        tally.statuses[(operation.label, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS)

    return run


def deep(operation: Any, world: World, app: WSGIHandler, cookies: dict[str, str], tally: Tally) -> None:
    """A body nested 100,000 levels deep (no generator builds one) on a real object: the documented 400 (or a
    documented refusal that comes first, e.g. 403 for an administrator on a member's operation)."""
    scenarios = world.scenarios.get(operation.path) or [Scenario({})]
    names = [p["name"] for p in operation.definition.raw.get("parameters", []) if p.get("in") == "path"]
    case = operation.Case(path_parameters={**dict.fromkeys(names, 1), **scenarios[0].path}, body={},
                          media_type="application/json")
    response = case.call(app=app, cookies=cookies, data=DEEP_JSON,
                         headers={"X-CSRFToken": cookies["csrftoken"], "Content-Type": "application/json"})
    tally.examples[operation.label] += 1
    tally.statuses[(operation.label, response.status_code)] += 1
    try:
        assert response.status_code in (400, 403), response.status_code
        case.validate_response(response, checks=[c for c in CHECKS if c is not negative_data_rejection])
    except Exception as exc:
        tally.failures.append(f"{operation.label} (100,000 levels deep): {exc}")


def fuzz(schema: Any, app: WSGIHandler, world: World, cookies: dict[str, str]) -> Tally:
    tally = Tally()
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda op: ORDER.index(op.path) if op.path in ORDER else -1)
    for operation in operations:
        has_input = bool(operation.definition.raw.get("parameters")) or "requestBody" in operation.definition.raw
        modes = [GenerationMode.NEGATIVE] if has_input else []  # nothing to make invalid without input
        for mode in [*modes, GenerationMode.POSITIVE]:
            try:
                runner(operation, mode, world, app, cookies, tally)()
            except Exception as exc:  # every operation's failures, reported together
                tally.failures.append(f"{operation.label} ({mode.value}): {exc}")
        if "requestBody" in operation.definition.raw:
            deep(operation, world, app, cookies, tally)
    return tally


def report(who: str, tally: Tally) -> None:
    codes: Counter[int] = Counter()
    for (_label, status), n in tally.statuses.items():
        codes[status] += n
    SUMMARY.append(f"{who}: {len(tally.examples)} operations, {sum(tally.examples.values())} examples, "
                   f"status codes {dict(sorted(codes.items()))}, {len(tally.failures)} failing operations")


def load_schema(app: WSGIHandler) -> Any:
    # The session cookie is the fuzz's own login, not an input to mutate; no schemathesis.toml is read.
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    return schemathesis.openapi.from_wsgi("/api/schema/", app, config=config)


def login(client_for: Any, user: Any) -> dict[str, str]:
    return {"sessionid": client_for(user).cookies["sessionid"].value, "csrftoken": secrets.token_hex(16)}


def test_it_answers_the_member_within_the_schema(personas: Personas, client_for: Any, app: WSGIHandler,
                                                 settings: Any) -> None:
    settings.ELASTICSEARCH_URL = None
    world = build_world(personas)
    schema = load_schema(app)
    tally = fuzz(schema, app, world, login(client_for, personas.member.user))
    report("member", tally)
    assert not tally.failures, "\n\n".join(tally.failures)
    assert len(tally.examples) == len(list(schema.get_all_operations())) >= 17
    # The steering reached the real code paths: answers saved and graded, practice answered, a lesson studied.
    attempt = Attempt.objects.filter(member=personas.member, submitted_at__isnull=False).get()
    assert Answer.objects.filter(attempt=attempt, points__isnull=False).count() == len(attempt.paper)
    assert Answer.objects.filter(attempt=attempt).exclude(response=None).exists()
    assert PracticeAnswer.objects.filter(day__member=personas.member).exists()
    assert StudyProgress.objects.filter(member=personas.member, position__gt=0).exists()
    for label in ("PUT /api/v1/exams/attempts/{id}/answers/", "POST /api/v1/exams/attempts/{id}/submit/",
                  "GET /api/v1/exams/attempts/{id}/result/", "POST /api/v1/progress/{page_id}/heartbeat/"):
        assert tally.statuses[(label, 200)] > 0, label
    assert tally.statuses[("POST /api/v1/exams/{id}/start/", 201)] > 0


def test_it_answers_an_administrator_within_the_schema(personas: Personas, client_for: Any, app: WSGIHandler,
                                                       settings: Any) -> None:
    settings.ELASTICSEARCH_URL = None
    world = build_world(personas)
    schema = load_schema(app)
    tally = fuzz(schema, app, world, login(client_for, personas.admin_a))
    report("administrator", tally)
    assert not tally.failures, "\n\n".join(tally.failures)
    assert tally.statuses[("GET /api/v1/members/{id}/", 200)] > 0
    assert tally.statuses[("GET /api/v1/organizations/{id}/", 200)] > 0
    # Not a member: the member's operations refuse, documented, and change nothing.
    assert tally.statuses[("PUT /api/v1/exams/attempts/{id}/answers/", 403)] > 0
    assert not Answer.objects.exclude(response=None).exists()
