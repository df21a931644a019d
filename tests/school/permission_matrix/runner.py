"""Turning a (route, case) into a URL, requesting it as each persona, and describing the answers
(not a test module)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from django.http import HttpResponseBase
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from .rules import PERSONAS, Case, Rule
from .urlconf import Route


@dataclass(frozen=True)
class Item:
    """One URL pattern with one case of its rule: requested by every persona, GET (and the write method)."""

    route: Route
    rule: Rule
    case: Case

    @property
    def id(self) -> str:
        return self.route.key + (f"[{self.case.label}]" if self.case.label else "")

    def requests(self) -> Iterator[tuple[str, str, str]]:
        """(method, persona, expected outcome) for every request of this item."""
        for persona in PERSONAS:
            yield "GET", persona, self.case.get[persona]
        if self.case.post is not None:
            for persona in PERSONAS:
                yield self.case.write, persona, self.case.post[persona]


class BadRule(AssertionError):
    pass


def build_url(route: Route, case: Case, world: Any) -> str:
    if case.path is not None:
        url = str(case.path(world))
    elif route.name is None:
        raise BadRule(f"{route}: an unnamed pattern needs path= (the URL to request)")
    elif route.positional:
        if case.args is None:
            raise BadRule(f"{route}: the pattern has unnamed groups; its rule needs args= or path=")
        url = reverse(route.name, args=case.args(world))
    else:
        given = case.kwargs(world) if case.kwargs is not None else {}
        missing = [p for p in route.params if p not in given]
        if missing:
            raise BadRule(f"{route}: its rule gives no value for {missing}")
        url = reverse(route.name, kwargs={p: given[p] for p in route.params})
    match = resolve(unquote(urlsplit(url).path))
    if match.route != route.route:
        raise BadRule(f"{route}: the URL built for it, {url}, resolves to {match.route!r} instead")
    query = case.query(world) if callable(case.query) else case.query
    return url + (f"?{query}" if query else "")


def send(client: Client, method: str, url: str, case: Case) -> HttpResponseBase:
    headers = {"X-Requested-With": "XMLHttpRequest"} if case.ajax else {}
    if method == "GET":
        return client.get(url, headers=headers)
    return client.generic(method, url, b"", content_type="application/x-www-form-urlencoded", headers=headers)


REDIRECTS = {301, 302, 303, 307, 308}


def outcome(response: HttpResponseBase) -> str:
    if response.status_code in REDIRECTS:
        location = unquote(urlsplit(response["Location"]).path)  # a page's slug may be Chinese (percent-encoded)
        try:
            return f"redirect:{resolve(location).view_name}"
        except Resolver404:
            return f"redirect:{location}"
    return str(response.status_code)


def body_problems(case: Case, method: str, persona: str, response: HttpResponseBase) -> list[str]:
    """What is wrong with a 200 answer: its Content-Type, or subtree A's marker shown to the wrong persona."""
    problems = []
    if case.content_type and case.content_type not in response["Content-Type"]:
        problems.append(f"Content-Type {response['Content-Type']}")
    if case.marker and method == "GET":
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        shown = case.marker.encode() in body
        if shown != (persona in case.marker_for):
            problems.append(f"{'shows' if shown else 'does not show'} {case.marker!r}")
    return problems
