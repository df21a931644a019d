from typing import Any

from django.http import HttpRequest
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from . import admin_urls
from .dashboard import TodoPanel
from .hooks import MEMBER_NAV_ITEMS, NavItem
from .permissions import is_org_admin


@hooks.register("register_admin_urls")
def register_admin_urls() -> list[object]:
    return [path("school/", include((admin_urls, "school_admin"), namespace="school_admin"))]


@hooks.register("construct_homepage_panels")
def dashboard_todos(request: HttpRequest, panels: list[Any]) -> None:
    """The dashboard opens with the user's to-dos (school/dashboard.py); Wagtail's release news goes."""
    panels[:] = [TodoPanel(), *(p for p in panels if getattr(p, "name", "") != "whats_new_in_wagtail_version")]


@hooks.register("construct_admin_api", order=100)  # after Wagtail's documents and images endpoints
def scope_admin_api(router: Any) -> None:
    from .admin_api import register_scoped_endpoints

    register_scoped_endpoints(router)


class OrgAdminMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return is_org_admin(request.user)


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)


class OrgAdminSubmenu(SubmenuMenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return is_org_admin(request.user)


@hooks.register("register_admin_menu_item")
def register_organization_menu() -> MenuItem:
    menu = Menu(items=[
        OrgAdminMenuItem(_("Organizations"), reverse("school_admin:organizations"), icon_name="group", order=100),
        OrgAdminMenuItem(_("Members"), reverse("school_admin:members"), icon_name="user", order=200),
        OrgAdminMenuItem(_("Member imports"), reverse("school_admin:member_imports"), icon_name="upload",
                         order=300),
        OrgAdminMenuItem(_("Accounts and activation"), reverse("school_admin:account_rates"), icon_name="key",
                         order=350),
        SuperuserMenuItem(_("Roles and scopes"), reverse("school_admin:roles"), icon_name="key", order=400),
        SuperuserMenuItem(_("Audit log"), reverse("school_admin:audit_log"), icon_name="history", order=500),
    ])
    return OrgAdminSubmenu(_("Organizations and members"), menu, icon_name="group", order=250)


@hooks.register(MEMBER_NAV_ITEMS)
def school_nav_items(request: HttpRequest) -> list[NavItem]:
    return [
        NavItem("home", str(_("Home")), reverse("home"), order=0, icon="home"),
        NavItem("my_study", str(_("My study")), reverse("my_study"), order=90, icon="user"),
    ]


# The credit ledger's admin screens and member panels (school.credits is part of this app).
from school.credits import wagtail_hooks as _credits_hooks  # noqa: E402,F401
