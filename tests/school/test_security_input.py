"""Input no database column can hold is a 4xx, never a 500, on every route: deeply nested or oversized JSON,
ids and integers beyond 64 bits, NUL and lone surrogates (school/security/input.py, school/api/parsers.py,
school/converters.py). Requests go through the CSRF check as a browser's would (DRF parses the body there)."""

from __future__ import annotations

import json
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from courses.models import StudyProgress
from courses.services.progress import start_session
from exams import services as exam_services
from exams.models import Answer
from school.converters import IdConverter
from tests.courses.builders import make_course, make_reading
from tests.exams.builders import fill_bank, make_bank, make_exam
from tests.factories import Personas

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = 99999999999999999999  # 20 digits: beyond a 64-bit signed integer
PROJECT_APPS = ("school", "courses", "exams", "media", "search")


def browser(user: Any) -> Client:
    """A logged-in client that passes Django's and DRF's CSRF checks with a token, and shows 500s as 500s."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(user)
    token = secrets.token_hex(16)
    client.cookies["csrftoken"] = token
    client.defaults["HTTP_X_CSRFTOKEN"] = token
    return client


def send(client: Client, method: str, url: str, body: str) -> Any:
    if method == "GET":
        return client.get(url)
    return getattr(client, method.lower())(url, body, content_type="application/json")


@pytest.fixture
def world(personas: Personas) -> dict[str, Any]:
    bank = make_bank(personas.trainer)
    bank.use = "both"
    bank.save()
    fill_bank(bank, "single", 3)
    exam = make_exam(personas.trainer, bank, targets=[personas.branch_group_a],
                     sections=[{"qtype": "single", "count": 2, "points": Decimal(2)}], pass_mark=Decimal(1))
    attempt, _created = exam_services.do_start_attempt(personas.member, exam)
    reading = make_reading(make_course())
    session = start_session(personas.member.user, reading.pk)["session"]
    return {"attempt": attempt, "exam": exam, "reading": reading, "session": session,
            "question": attempt.paper[0]["v"]}


def json_endpoints(world: dict[str, Any]) -> list[tuple[str, str]]:
    page, attempt = world["reading"].pk, world["attempt"].pk
    return [("POST", f"/api/v1/progress/{page}/heartbeat/"), ("POST", f"/api/v1/progress/{page}/start/"),
            ("POST", "/api/v1/ping/"), ("POST", "/api/v1/exams/practice/"),
            ("PUT", f"/api/v1/exams/attempts/{attempt}/answers/"), ("POST", f"/api/v1/exams/attempts/{attempt}/submit/"),
            ("POST", f"/api/v1/exams/{world['exam'].pk}/start/")]


def test_it_refuses_deeply_nested_json_on_every_json_endpoint(personas: Personas, world: dict[str, Any]) -> None:
    client = browser(personas.member.user)
    for method, url in json_endpoints(world):
        for body in (DEEP, json.dumps({"session": world["session"], "seq": 1, "position": 1,
                                       "response": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["A"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})):
            response = send(client, method, url, body)
            assert response.status_code == 400, (method, url, response.status_code)
            assert response.json()["code"] == "parse_error"
            assert "嵌套" in response.json()["detail"]
    assert not Answer.objects.exclude(response=None).exists()


def test_it_refuses_an_oversized_json_body(personas: Personas, world: dict[str, Any], settings: Any) -> None:
    settings.API_MAX_JSON_BYTES = 4096
    body = json.dumps({"question": world["question"], "response": "A" * 5000, "seed": str(world["attempt"].seed)})
    response = send(browser(personas.member.user), "PUT", f"/api/v1/exams/attempts/{world['attempt'].pk}/answers/",
                    body)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not Answer.objects.exclude(response=None).exists()


@pytest.mark.parametrize("value", [HUGE, -HUGE, 10**400])
def test_it_refuses_integers_beyond_64_bits_in_json(personas: Personas, world: dict[str, Any], value: int) -> None:
    client = browser(personas.member.user)
    heartbeat = {"session": world["session"], "seq": 1, "position": value}
    answer = {"question": value, "response": "A", "seed": str(world["attempt"].seed)}
    for method, url, body in [("POST", f"/api/v1/progress/{world['reading'].pk}/heartbeat/", heartbeat),
                              ("PUT", f"/api/v1/exams/attempts/{world['attempt'].pk}/answers/", answer),
                              ("POST", "/api/v1/exams/practice/", {"question": value, "response": "A"})]:
        response = send(client, method, url, json.dumps(body))
        assert response.status_code == 400, (url, response.status_code)
        assert response.json()["detail"]
    assert StudyProgress.objects.get(member=personas.member).position == 0


@pytest.mark.parametrize("text", ["A\x00", "\ud800", "A\udfffB"])
def test_it_refuses_nul_and_lone_surrogates_in_json(personas: Personas, world: dict[str, Any], text: str) -> None:
    client = browser(personas.member.user)
    seed = str(world["attempt"].seed)
    url = f"/api/v1/exams/attempts/{world['attempt'].pk}/answers/"
    for body in ({"question": world["question"], "response": text, "seed": seed},
                 {"question": world["question"], "response": ["A", text], "seed": seed},
                 {"question": world["question"], "response": "A", "seed": seed, text: 1}):
        response = send(client, "PUT", url, json.dumps(body))  # json.dumps escapes them as \u0000, \ud800
        assert response.status_code == 400, (body, response.status_code)
        assert response.json()["code"] == "parse_error"
    assert not Answer.objects.exclude(response=None).exists()


def project_routes() -> list[tuple[str, URLPattern]]:
    """Every URL pattern whose view belongs to the project, with its full regex."""
    found: list[tuple[str, URLPattern]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            here = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, here)
            elif isinstance(pattern, URLPattern):
                module = getattr(pattern.callback, "__module__", "") or ""
                if module.split(".")[0] in PROJECT_APPS:
                    found.append((here, pattern))

    walk(get_resolver().url_patterns, "")
    return found


def test_it_takes_every_id_of_the_project_routes_through_the_64_bit_converter() -> None:
    with_ids = [route for route, pattern in project_routes() if any(isinstance(c, IdConverter)
                                                                    for c in pattern.pattern.converters.values())]
    assert len(with_ids) >= 30
    root = Path(__file__).resolve().parents[2]
    plain_int = [str(path.relative_to(root)) for app in PROJECT_APPS for path in (root / app).rglob("*.py")
                 if "<int:" in path.read_text(encoding="utf-8")]
    assert plain_int == []


def test_it_answers_404_to_ids_beyond_64_bits_on_every_route(personas: Personas, world: dict[str, Any]) -> None:
    """Every project route with an id, plus Wagtail's own, with a 20-digit id: 404 (GET and POST), as the
    superuser and as a member; and the heartbeat's raw SQL never sees it."""
    urls = ["/api/v1/progress/99999999999999999999/heartbeat/", "/api/v1/progress/99999999999999999999/start/",
            "/api/v1/exams/attempts/99999999999999999999/answers/", "/exams/attempts/99999999999999999999/",
            "/admin/school/members/99999999999999999999/", "/admin/pages/99999999999999999999/edit/",
            "/admin/documents/edit/99999999999999999999/"]
    for route, _pattern in project_routes():
        url = "/" + route.replace("^", "").replace("\\Z", "").replace("$", "")
        for name in ("pk", "page_id", "document_id", "restriction_id"):
            url = url.replace(f"<id:{name}>", str(HUGE))
        if "<" not in url and str(HUGE) in url:
            urls.append(url)
    assert len(urls) > 30
    heartbeat = json.dumps({"session": world["session"], "seq": 1, "position": 1})
    for user in (personas.superuser, personas.member.user):
        client = browser(user)
        for url in urls:
            for method in ("GET", "POST"):
                response = send(client, method, url, heartbeat)
                if response.status_code == 301:  # APPEND_SLASH: a pattern matches with a slash added
                    response = send(client, method, response["Location"], heartbeat)
                if url.startswith("/admin/") and not user.is_staff:
                    assert response.status_code == 302  # to the login page, before any lookup
                    continue
                assert response.status_code in (404, 405), (user, method, url, response.status_code)


def test_it_answers_404_to_a_nul_in_the_path(personas: Personas, world: dict[str, Any]) -> None:
    client = browser(personas.member.user)
    for url in ("/certificates/verify/%00%00%00%00%00/", "/certificates/%00/pdf/", "/courses/%00/",
                "/documents/1/a%00.pdf", "/uploads/images/%00.jpg", "/%00/"):
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
    assert client.get("/api/v1/exams/attempts/%00/").json()["code"] == "not_found"


def test_it_answers_400_to_a_nul_in_a_query_or_a_form(personas: Personas, world: dict[str, Any]) -> None:
    client = browser(personas.superuser)
    for url in ("/search/?q=%00", "/search/?q=%E5%85%9A%00", "/admin/school/members/?q=a%00", "/?x%00=1"):
        response = client.get(url)
        assert response.status_code == 400, (url, response.status_code)
        assert "无法" in response.content.decode() or "请求" in response.content.decode()
    name = personas.a1.name
    response = client.post(f"/admin/school/organizations/{personas.a1.pk}/",
                           {"name": "第一\x00党支部", "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 400
    personas.a1.refresh_from_db()
    assert personas.a1.name == name
    response = client.get("/api/v1/members/?q=%00")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
