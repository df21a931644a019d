"""The admin dashboard's to-do panel: what waits for this user, in place of Wagtail's welcome.

Each app contributes its kinds of work through the ``ADMIN_TODOS`` hook (``school/hooks.py``): media the
videos that failed or are still transcoding, courses the study tasks due soon in the administrator's
scope, the notices feature its notices with low read rates. ``school`` adds the pages in moderation
(those the user may review; the user's own submissions stay in Wagtail's panel below). A contribution answers only for
what the user may see; the panel shows the kinds with something waiting, or says there is nothing to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.models import TaskState

from .hooks import ADMIN_TODOS

SHOWN_ITEMS = 5  # the first few of each kind; the kind's link leads to all of them


@dataclass(frozen=True)
class TodoItem:
    label: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class Todo:
    """One kind of waiting work: ``count`` things, the first few as ``items``, ``url`` the screen for all."""

    key: str
    title: str
    count: int
    order: int
    url: str = ""
    items: tuple[TodoItem, ...] = ()
    urgent: bool = False


def todos_for(request: HttpRequest) -> list[Todo]:
    found: list[Todo] = []
    for contribute in hooks.get_hooks(ADMIN_TODOS):
        found.extend(contribute(request))
    return sorted((todo for todo in found if todo.count > 0), key=lambda todo: (todo.order, todo.key))


def _page_item(obj: Any, note: str = "") -> TodoItem:
    title = getattr(obj, "get_admin_display_title", lambda: str(obj))()
    return TodoItem(str(title), reverse("wagtailadmin_pages:edit", args=[obj.pk]), note)


@hooks.register(ADMIN_TODOS)
def moderation_todos(request: HttpRequest) -> Iterable[Todo]:
    """Pages waiting for this user's review (the user's own submissions are Wagtail's next panel)."""
    user = request.user
    reviewable = TaskState.objects.reviewable_by(user).select_related("revision").order_by("started_at")
    count = reviewable.count()
    if count:
        items = tuple(_page_item(state.revision.content_object, _("submitted %(date)s") % {
            "date": f"{state.started_at:%m-%d}"}) for state in reviewable[:SHOWN_ITEMS]
            if state.revision.content_object is not None)
        yield Todo("moderation_review", _("Pages waiting for your review"), count, 10,
                   reverse("wagtailadmin_reports:workflow"), items, urgent=True)


class TodoPanel(Component):
    """The first panel of the admin dashboard (``construct_homepage_panels`` in school/wagtail_hooks.py)."""

    name = "school_todos"
    template_name = "school/admin/dashboard_todos.html"
    order = 50

    def get_context_data(self, parent_context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        context = super().get_context_data(parent_context)
        request = (parent_context or {})["request"]
        context["todos"] = todos_for(request)
        return context
