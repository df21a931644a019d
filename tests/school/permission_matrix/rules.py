"""The rule table's vocabulary, and the matching of URL patterns to rules (not a test module).

A ``Rule`` names URL patterns by glob (``fnmatch`` on the namespaced URL name, or on
``route:<route>``, for unnamed patterns and names that two patterns share) and holds one or more ``Case``: how to build the URL
(``kwargs``/``args`` from the world, a query string), and which outcome each persona gets for GET
and, for state-changing endpoints, for an empty POST. An outcome is the status code as a string
(``"200"``, ``"404"``…) or ``"redirect:<url name of the Location>"``, e.g. ``LOGIN``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .urlconf import Route

PERSONAS = ("anon", "member", "trainer", "admin_a", "admin_x", "superuser")

OK = "200"
CREATED = "201"
BAD = "400"
FORBIDDEN = "403"
MISSING = "404"
NOT_ALLOWED = "405"
ERROR = "500"  # the view raised
LOGIN = "redirect:login"  # the member site's login page
ADMIN_LOGIN = "redirect:wagtailadmin_login"  # Wagtail: not logged in, or no admin access at all
DENIED = "redirect:wagtailadmin_home"  # Wagtail's "Sorry, you do not have permission" (admin home)


def to(url_name: str) -> str:
    """A redirect to the URL named ``url_name``."""
    return f"redirect:{url_name}"


Expect = Mapping[str, str]
Build = Callable[[Any], Any]


def by(anon: str, member: str, trainer: str, admin_a: str, admin_x: str, superuser: str) -> dict[str, str]:
    """One outcome per persona, in ``PERSONAS`` order."""
    return dict(zip(PERSONAS, (anon, member, trainer, admin_a, admin_x, superuser), strict=True))


def every(outcome: str, **overrides: str) -> dict[str, str]:
    table = dict.fromkeys(PERSONAS, outcome)
    unknown = set(overrides) - set(PERSONAS)
    assert not unknown, f"unknown personas {unknown}"
    table.update(overrides)
    return table


def every_admin(outcome: str, **overrides: str) -> dict[str, str]:
    """Inside the Wagtail admin: anonymous users and members go to the admin login, others get ``outcome``."""
    return every(outcome, **{"anon": ADMIN_LOGIN, "member": ADMIN_LOGIN, **overrides})


@dataclass(frozen=True)
class Case:
    get: Expect
    post: Expect | None = None
    kwargs: Build | None = None  # world -> dict of URL parameters (a superset is fine)
    args: Build | None = None  # world -> list, for patterns with unnamed regex groups
    path: Build | None = None  # world -> the URL itself, for unnamed patterns
    query: str | Build = ""  # a query string, or world -> query string
    label: str = ""
    content_type: str = ""  # when the answer is 200, its Content-Type must contain this
    ajax: bool = False  # send X-Requested-With: XMLHttpRequest (Wagtail's choosers and modals)
    write: str = "POST"  # the state-changing method that ``post`` describes (sent with an empty body)
    marker: str = ""  # text of subtree A that a 200 GET shows to ``marker_for`` and to nobody else
    marker_for: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for table in (self.get, self.post) if self.post is not None else (self.get,):
            assert set(table) == set(PERSONAS), f"a case must name all of {PERSONAS}: {sorted(table)}"
        assert set(self.marker_for) <= set(PERSONAS) and (not self.marker_for or self.marker)


@dataclass(frozen=True)
class Rule:
    names: tuple[str, ...]
    cases: tuple[Case, ...]
    why: str = ""
    exclude: tuple[str, ...] = ()

    def matches(self, route: Route) -> bool:
        keys = (route.key, f"route:{route.route}")

        def hit(patterns: tuple[str, ...]) -> bool:
            return any(fnmatch.fnmatchcase(key, pattern) for pattern in patterns for key in keys)

        return hit(self.names) and not hit(self.exclude)


def rule(names: str | Iterable[str], get: Expect, post: Expect | None = None, *, kwargs: Build | None = None,
         args: Build | None = None, path: Build | None = None, query: str | Build = "", content_type: str = "",
         ajax: bool = False, write: str = "POST", marker: str = "", marker_for: Iterable[str] = (), why: str = "",
         exclude: str | Iterable[str] = ()) -> Rule:
    case = Case(get, post, kwargs, args, path, query, "", content_type, ajax, write, marker, tuple(marker_for))
    return Rule(_names(names), (case,), why, _names(exclude))


def cases(names: str | Iterable[str], *items: Case, why: str = "") -> Rule:
    labels = [c.label for c in items]
    assert all(labels) and len(set(labels)) == len(labels), f"cases of {names} need distinct labels"
    return Rule(_names(names), tuple(items), why)


def _names(names: str | Iterable[str]) -> tuple[str, ...]:
    return (names,) if isinstance(names, str) else tuple(names)


@dataclass
class Coverage:
    matched: dict[Route, Rule] = field(default_factory=dict)
    unmatched: list[Route] = field(default_factory=list)
    ambiguous: dict[Route, list[Rule]] = field(default_factory=dict)
    unused: list[Rule] = field(default_factory=list)


def match_rules(routes: Iterable[Route], table: Iterable[Rule]) -> Coverage:
    rules = list(table)
    coverage = Coverage()
    used: set[int] = set()
    for route in routes:
        hits = [r for r in rules if r.matches(route)]
        used.update(id(r) for r in hits)
        if not hits:
            coverage.unmatched.append(route)
        elif len(hits) > 1:
            coverage.ambiguous[route] = hits
        else:
            coverage.matched[route] = hits[0]
    coverage.unused = [r for r in rules if id(r) not in used]
    return coverage
