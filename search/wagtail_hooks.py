from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from wagtail import hooks

from school.hooks import AFTER_RESTORE, DEMO_SEEDERS, HOME_PANELS, READINESS_CHECKS, Panel
from school.readiness import Check


@hooks.register(HOME_PANELS)
def search_home_panel(request: HttpRequest) -> list[Panel]:
    return [Panel(template="search/home_panel.html", order=5)]


@hooks.register(DEMO_SEEDERS)
def seed_search_index(demo: Any) -> list[str]:
    """Runs after the courses app's seeder (apps register hooks in INSTALLED_APPS order): index every
    demo page at once, so search works before the worker has caught up with the publish signals."""
    from .backends import get_backend
    from .core import SearchUnavailable
    from .indexing import rebuild

    try:
        count = rebuild()
    except SearchUnavailable as exc:
        return [f"search: index not built ({exc}); run `manage.py search_index --rebuild` later"]
    return [f"search: indexed {count} pages with the {get_backend().name} backend; try /search/?q=廉洁自律"]


@hooks.register(READINESS_CHECKS)
def search_engine_ready() -> Check:
    from .readiness import check_search_engine

    return check_search_engine()


@hooks.register(AFTER_RESTORE)
def rebuild_index_after_restore() -> list[str]:
    """A restored database may not match the engine's index (Elasticsearch keeps its own): rebuild it."""
    from .backends import get_backend
    from .core import SearchUnavailable
    from .indexing import rebuild

    try:
        count = rebuild()
    except SearchUnavailable as exc:
        return [f"search: index not rebuilt ({exc}); run `manage.py search_index --rebuild` once the engine answers"]
    return [f"search: index rebuilt with the {get_backend().name} backend ({count} pages)"]
