from __future__ import annotations

from django.http import HttpRequest
from wagtail import hooks

from school.hooks import HOME_PANELS, Panel


@hooks.register(HOME_PANELS)
def search_home_panel(request: HttpRequest) -> list[Panel]:
    return [Panel(template="search/home_panel.html", order=5)]
