"""Extension points through which the apps above ``school`` plug into it (``school`` imports none of
them). Each is a Wagtail hook name; register a function in the app's ``wagtail_hooks.py``:

``MEMBER_NAV_ITEMS``  fn(request) -> iterable of ``NavItem``: entries of the member site's navigation.
``HOME_PANELS``       fn(request) -> iterable of ``Panel``: blocks on the member home page.
``MY_STUDY_PANELS``   fn(request) -> iterable of ``Panel``: blocks on "我的学习".
``DEMO_SEEDERS``      fn(demo: school.demo.DemoData) -> iterable of str: adds demo content, returns lines to print.
``FINAL_EXAM_LINK``   fn(request, exam_id) -> ``Link`` or None: where this user takes that exam (None when it
                      is not open to them); lets a course page link its final exam without importing exams.
``FINAL_EXAM_CHOICES`` fn(user) -> iterable of (exam_id, label): the exams a course editor may pick as its final
                      exam (exams answers it; the course stores the id only).
``ORG_METRICS``       fn(period: school.credits.periods.Period, member_ids: list[int] | None = None) -> iterable
                      of (member_id, metric, done, total) with metric "tasks" (study tasks completed /
                      assigned) or "exams" (exams passed / taken) for that period, for every member or only
                      ``member_ids``; feeds the organization scores (the recompute asks for everybody, the
                      incremental path — ``school.credits.recompute.refresh_member_metrics`` — for the one
                      member an event concerns; see school/credits/recompute.py).
``SEARCH_SOURCES``    fn() -> iterable of ``SearchSource``: the kinds of pages the site search indexes, each with
                      how a page becomes a ``SearchDocument``; lets search index courses' pages (policy
                      documents, courses, lessons) without importing courses.
``READINESS_CHECKS``  fn() -> ``school.readiness.Check``: one service this site needs (ffmpeg, the search
                      engine), reported by ``/ready/`` and ``manage.py check_services``.
``ADMIN_TODOS``       fn(request) -> iterable of ``school.dashboard.Todo``: one kind of work waiting for this admin user
                      (videos that failed, study tasks due soon in their scope…), shown on the admin dashboard
                      in place of Wagtail's welcome; return nothing when it does not concern the user. The
                      notices feature registers its "notices with low read rates" here.
``WEBSOCKET_ROUTES``  fn() -> iterable of Channels URL patterns (``django.urls.path`` to a consumer's
                      ``as_asgi()``): the WebSocket endpoints that ``school/asgi.py`` serves under login
                      (exams' quiz battles).
``AFTER_RESTORE``     fn() -> iterable of str: work after ``manage.py restore`` loaded a backup (the search
                      app rebuilds its index); returns lines to print.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from wagtail import hooks

if TYPE_CHECKING:
    from wagtail.models import Page

MEMBER_NAV_ITEMS = "school_member_nav_items"
HOME_PANELS = "school_home_panels"
MY_STUDY_PANELS = "school_my_study_panels"
DEMO_SEEDERS = "school_demo_seeders"
ORG_METRICS = "school_org_metrics"
FINAL_EXAM_LINK = "school_final_exam_link"
FINAL_EXAM_CHOICES = "school_final_exam_choices"
SEARCH_SOURCES = "school_search_sources"
READINESS_CHECKS = "school_readiness_checks"
AFTER_RESTORE = "school_after_restore"
ADMIN_TODOS = "school_admin_todos"
WEBSOCKET_ROUTES = "school_websocket_routes"


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str
    order: int
    icon: str = ""
    badge: int = 0  # a count shown on the entry (unread notices); 0 shows nothing


@dataclass(frozen=True)
class Panel:
    template: str
    order: int
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    url: str
    label: str
    note: str = ""


@dataclass(frozen=True)
class Passage:
    """An article-level chunk of a searchable page's text: ``label`` is e.g. "第十二条", ``anchor`` the id of
    the element on the page, so a hit can link to ``url#anchor``."""

    text: str
    label: str = ""
    chapter: str = ""
    anchor: str = ""


@dataclass
class SearchDocument:
    """One searchable page as search indexes it. ``key`` is unique across content types (e.g. "document:42");
    ``content_type`` is one of search's ``CONTENT_TYPES`` ("document", "course", "lesson")."""

    page_id: int
    content_type: str
    title: str
    url: str
    passages: list[Passage] = field(default_factory=list)
    doc_number: str = ""
    category: str = ""
    issuer: str = ""
    issue_date: dt.date | None = None
    effective_date: dt.date | None = None
    validity: str = ""
    version: str = ""  # the version note of a policy document (2023年版); versions of one title share the title
    live: bool = True
    # Tree paths of the organizations whose subtrees may see this page; empty means everyone.
    visibility: list[str] = field(default_factory=list)
    summary: str = ""
    # When the source page last changed; ``search_index --update`` re-indexes pages newer than this.
    updated_at: dt.datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.content_type}:{self.page_id}"

    @property
    def year(self) -> int | None:
        return self.issue_date.year if self.issue_date else None


@dataclass(frozen=True)
class SearchSource:
    """A kind of page the site search indexes (answer of ``SEARCH_SOURCES``).

    ``models``     the page models: search re-indexes a page of these types (and the pages of these types
                   below a page) when it is published, unpublished, moved, deleted or saved live.
    ``document``   fn(specific page of one of ``models``) -> its ``SearchDocument`` (``live`` False when it
                   must not be found), or None when it is not indexed.
    ``documents``  fn() -> every live page's document (``search_index --rebuild`` and ``--update``).
    """

    models: tuple[type[Page], ...]
    document: Callable[[Any], SearchDocument | None]
    documents: Callable[[], Iterable[SearchDocument]]


def search_sources() -> list[SearchSource]:
    return collect(SEARCH_SOURCES)


def first_answer(hook_name: str, *args: Any) -> Any:
    """The first non-None answer of the functions registered for ``hook_name``."""
    for fn in hooks.get_hooks(hook_name):
        answer = fn(*args)
        if answer is not None:
            return answer
    return None


def collect(hook_name: str, *args: Any) -> list[Any]:
    items: list[Any] = []
    for fn in hooks.get_hooks(hook_name):
        result: Iterable[Any] | None = fn(*args)
        if result:
            items.extend(result)
    return items


def nav_items(request: HttpRequest) -> list[NavItem]:
    return sorted(collect(MEMBER_NAV_ITEMS, request), key=lambda item: item.order)


def panels(hook_name: str, request: HttpRequest) -> list[Panel]:
    return sorted(collect(hook_name, request), key=lambda panel: panel.order)


def websocket_routes() -> list[Any]:
    return collect(WEBSOCKET_ROUTES)
