"""Admin menus and the hooks through which courses plugs into school and media."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from school.dashboard import SHOWN_ITEMS, Todo, TodoItem
from school.hooks import (
    ADMIN_TODOS,
    DEMO_SEEDERS,
    HOME_PANELS,
    MEMBER_NAV_ITEMS,
    MY_STUDY_PANELS,
    SEARCH_SOURCES,
    NavItem,
    Panel,
    SearchSource,
)
from school.permissions import is_org_admin, is_trainer

from . import admin_urls, panels


@hooks.register("before_serve_document")
def check_document_access(document: Any, request: HttpRequest) -> HttpResponse | None:
    """Wagtail serves documents at /documents/<id>/<name>: members log in first; a document of a page the
    user may not see answers 404 (``courses.access.can_download_document``)."""
    from django.contrib.auth.views import redirect_to_login

    from .access import can_download_document

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_download_document(request.user, document):
        raise Http404
    return None


@hooks.register("construct_explorer_page_queryset")
def hide_notices_outside_scope(parent_page: Any, pages: Any, request: HttpRequest) -> Any:
    """An organization administrator's page explorer lists only notices targeted within their subtrees."""
    from .services.notices import notice_editing_scoped, notices_outside_scope

    if not notice_editing_scoped(request.user):
        return pages
    return pages.exclude(pk__in=notices_outside_scope(request.user).values("pk"))


@hooks.register("register_admin_urls")
def register_admin_urls() -> list[object]:
    return [path("courses/", include((admin_urls, "courses_admin"), namespace="courses_admin"))]


class OrgAdminMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return is_org_admin(request.user)


@hooks.register("register_admin_menu_item")
def register_tasks_menu() -> MenuItem:
    return OrgAdminMenuItem(_("Study tasks"), reverse("courses_admin:tasks"), icon_name="tasks", order=260)


class SupersededMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return is_trainer(request.user) or is_org_admin(request.user)


@hooks.register("register_admin_menu_item")
def register_superseded_menu() -> MenuItem:
    """已被新版本取代: lessons and tasks linking a superseded document version, with a one-click relink."""
    return SupersededMenuItem(_("Superseded versions"), reverse("courses_admin:superseded"), icon_name="doc-full",
                              order=265)


@hooks.register("register_admin_menu_item")
def register_notices_menu() -> MenuItem:
    """通知阅读情况: read tracking of the notices for the administrator's organizations."""
    return OrgAdminMenuItem(_("Notice reading"), reverse("courses_admin:notices"), icon_name="doc-full", order=262)


@hooks.register(MEMBER_NAV_ITEMS)
def nav_items(request: HttpRequest) -> list[NavItem]:
    items = [
        NavItem("courses", str(_("Courses")), "/courses/", order=10, icon="book"),
        NavItem("library", str(_("Library")), "/library/", order=20, icon="doc"),
    ]
    board = panels.notice_board_url()
    if board:
        from .services.notices import unread_notice_count

        items.append(NavItem("notices", str(_("Notices")), board, order=40, icon="bell",
                             badge=unread_notice_count(request.user)))
    return items


@hooks.register(SEARCH_SOURCES)
def search_sources() -> list[SearchSource]:
    """Policy documents, courses and lessons, as the site search indexes them (``courses/search_sources.py``)."""
    from .search_sources import PAGES

    return [PAGES]


@hooks.register(MY_STUDY_PANELS)
def my_study_panels(request: HttpRequest) -> list[Panel]:
    return panels.my_study_panels(request)


@hooks.register(HOME_PANELS)
def home_panels(request: HttpRequest) -> list[Panel]:
    return panels.home_panels(request)


@hooks.register(DEMO_SEEDERS)
def seed_demo(demo: Any) -> list[str]:
    from .demo import seed

    return seed(demo)


DUE_SOON_DAYS = 7


@hooks.register(ADMIN_TODOS)
def study_task_todos(request: HttpRequest) -> list[Todo]:
    """For organization administrators: the study tasks of their scope whose deadline is within a week."""
    if not is_org_admin(request.user):
        return []
    from django.utils import timezone
    from django.utils.translation import gettext

    from .services.study_tasks import tasks_visible_to

    today = timezone.localdate()
    due = tasks_visible_to(request.user).filter(
        starts_on__lte=today, ends_on__gte=today, ends_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
    ).order_by("ends_on", "pk")
    count = due.count()
    if not count:
        return []
    items = tuple(TodoItem(task.title, reverse("courses_admin:task_detail", args=[task.pk]), gettext(
        "%(organization)s, due %(date)s") % {"organization": task.organization.name, "date": f"{task.ends_on:%m-%d}"})
        for task in due[:SHOWN_ITEMS])
    return [Todo("study_tasks_due", gettext("Study tasks due within a week"), count, 50,
                 reverse("courses_admin:tasks"), items, urgent=True)]


@hooks.register(ADMIN_TODOS)
def low_read_notice_todos(request: HttpRequest) -> list[Todo]:
    """For organization administrators: published notices of their scope that too few members have read
    (``COURSES_NOTICE_LOW_READ_RATE``), each linking to its 阅读情况 page."""
    if not is_org_admin(request.user):
        return []
    from django.utils.translation import gettext

    from .services.notices import notices_with_low_read_rates

    low = notices_with_low_read_rates(request.user)
    if not low:
        return []
    items = tuple(TodoItem(notice.title, reverse("courses_admin:notice_detail", args=[notice.pk]), gettext(
        "read %(read)d of %(members)d (%(rate)d%%)") % {"read": totals.read, "members": totals.members,
                                                         "rate": totals.rate})
        for notice, totals in low[:SHOWN_ITEMS])
    return [Todo("notices_low_read", gettext("Notices with low read rates"), len(low), 60,
                 reverse("courses_admin:notices"), items)]
