"""The permission matrix: every URL pattern of school.urls × every persona answers as its rule says.

The URL patterns come from the URLconf (``permission_matrix.urlconf``), so a new URL without a rule in
``tests/school/permission_matrix/rules_*.py`` fails ``test_it_has_exactly_one_rule_for_every_url_pattern``.
One test per URL pattern (and case of its rule) requests it as each of the six personas, GET and, for
state-changing endpoints, an empty POST; a failure lists each URL, method and persona that answered
otherwise. One world of objects is built for the whole module, each test runs in a transaction that
is rolled back, and each persona keeps one logged-in client.

``MATRIX_OUTCOMES=FILE`` appends every observed outcome to FILE (tab-separated), to help write the
rule of a new URL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.template import Template
from django.test import Client, override_settings

from .permission_matrix.rules import match_rules
from .permission_matrix.runner import Item, body_problems, build_url, outcome, send
from .permission_matrix.table import RULES
from .permission_matrix.urlconf import all_routes
from .permission_matrix.world import World, build_world

REPORT = os.environ.get("MATRIX_OUTCOMES", "")
ROUTES = all_routes()
COVERAGE = match_rules(ROUTES, RULES)
ITEMS = [Item(route, rule, case) for route, rule in COVERAGE.matched.items() for case in rule.cases]


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    media_root = tmp_path_factory.mktemp("matrix-uploads")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media_root)), transaction.atomic():
        cache.clear()
        yield build_world(media_root)
        transaction.set_rollback(True)


@pytest.fixture(scope="module", autouse=True)
def _plain_template_rendering() -> Iterator[None]:
    """The matrix reads statuses, not template contexts: skip the test runner's per-render context copies."""
    instrumented = Template._render  # type: ignore[attr-defined]
    Template._render = lambda self, context: self.nodelist.render(context)  # type: ignore[attr-defined]
    yield
    Template._render = instrumented  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def clients(world: World) -> dict[str, tuple[Client, dict[str, str]]]:
    p = world.personas
    users = {"anon": None, "member": p.member.user, "trainer": p.trainer, "admin_a": p.admin_a,
             "admin_x": p.admin_x, "superuser": p.superuser}
    made = {}
    for persona, user in users.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        made[persona] = (client, {key: morsel.value for key, morsel in client.cookies.items()})
    return made


@pytest.fixture(autouse=True)
def _media_root() -> None:
    """Replaces the conftest's per-test upload folder: the world's files stay in its folder for the module."""


def test_it_has_exactly_one_rule_for_every_url_pattern() -> None:
    problems = [f"no rule for {route}" for route in COVERAGE.unmatched]
    problems += [f"{route} matches {len(hits)} rules: {[r.names for r in hits]}"
                 for route, hits in COVERAGE.ambiguous.items()]
    problems += [f"rule {r.names} matches no URL pattern" for r in COVERAGE.unused]
    assert not problems, "\n".join(problems)
    assert len(ROUTES) > 300


@pytest.mark.django_db
@pytest.mark.parametrize("item", ITEMS, ids=[item.id for item in ITEMS])
def test_it_answers_every_persona_as_the_rules_say(item: Item, world: World,
                                                   clients: dict[str, tuple[Client, dict[str, str]]]) -> None:
    url = build_url(item.route, item.case, world)
    wrong = []
    for method, persona, expected in item.requests():
        cache.clear()
        client, cookies = clients[persona]
        client.cookies.clear()
        for key, value in cookies.items():
            client.cookies[key] = value
        response, detail = None, ""
        try:
            with transaction.atomic():
                response = send(client, method, url, item.case)
                transaction.set_rollback(True)
            got = outcome(response)
        except Exception as exc:  # a server error: note it and go on with the other personas
            got, detail = "500", f" ({type(exc).__name__}: {exc})"
        if REPORT:
            with open(REPORT, "a", encoding="utf-8") as report:
                report.write(f"{item.id}\t{method}\t{persona}\t{expected}\t{got}\t{url}\n")
        if got != expected:
            wrong.append(f"{method} {url} as {persona}: expected {expected}, got {got}{detail}")
        elif response is not None and got == "200":
            wrong.extend(f"{method} {url} as {persona}: {problem}" for problem in body_problems(
                item.case, method, persona, response))
    assert not wrong, f"{item.route}:\n" + "\n".join(wrong)
