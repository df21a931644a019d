"""Every concrete URL pattern of the project, found by walking the resolver tree (not a test module).

Wagtail's admin URLs (including those registered through ``register_admin_urls`` and viewsets) and
its page-serving catch-all are ordinary patterns of that tree once Django has loaded it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full route (as ``ResolverMatch.route`` spells it) and namespaced name."""

    route: str
    name: str | None
    params: tuple[str, ...]  # named groups / converters
    positional: int  # unnamed regex groups

    @property
    def key(self) -> str:
        return self.name or f"route:{self.route}"

    def __str__(self) -> str:
        return f"{self.name or '(unnamed)'} [{self.route}]"


def _params(pattern: URLPattern) -> tuple[tuple[str, ...], int]:
    regex = pattern.pattern.regex
    return tuple(regex.groupindex), regex.groups - len(regex.groupindex)


def _walk(patterns: list[URLPattern | URLResolver], prefix: str, namespace: str | None,
          params: tuple[str, ...], positional: int) -> Iterator[Route]:
    for item in patterns:
        regex = item.pattern.regex
        own = tuple(regex.groupindex)
        own_positional = regex.groups - len(regex.groupindex)
        if isinstance(item, URLResolver):
            ns = namespace
            if item.namespace:
                ns = f"{namespace}:{item.namespace}" if namespace else item.namespace
            yield from _walk(item.url_patterns, _join(prefix, str(item.pattern)), ns, params + own,
                             positional + own_positional)
        else:
            name = f"{namespace}:{item.name}" if namespace and item.name else item.name
            yield Route(_join(prefix, str(item.pattern)), name, params + own, positional + own_positional)


def _join(prefix: str, route: str) -> str:
    """Join routes as Django's resolver does for ``ResolverMatch.route`` (an inner regex's ``^`` dropped)."""
    return prefix + route.removeprefix("^") if prefix else route


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "", None, (), 0))
