from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from school.hooks import AFTER_RESTORE, DEMO_SEEDERS, HOME_PANELS, READINESS_CHECKS, Panel
from school.readiness import Check

from .models import QueryTerm


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


class QueryTermViewSet(SnippetViewSet):
    """设置 → 检索词表: aliases, synonyms and party-work words administrators add to ``search/data/query_terms.txt``
    (model permissions of ``search.QueryTerm``; superusers by default)."""

    model = QueryTerm
    icon = "search"
    menu_label = _("Search terms")
    add_to_settings_menu = True
    list_display = ["term", "kind", "expansion", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["term", "expansion"]
    panels = [FieldPanel("kind"), FieldPanel("term"), FieldPanel("expansion")]


register_snippet(QueryTermViewSet)
