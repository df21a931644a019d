"""Admin menu (统计, credit rules) and the member-site panels of the ledger; imported by
school/wagtail_hooks.py (Wagtail only loads an app's top-level wagtail_hooks)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from school.hooks import DEMO_SEEDERS, HOME_PANELS, MY_STUDY_PANELS, Panel
from school.permissions import is_org_admin

from . import urls
from .admin_rules import CreditRulesGroup
from .views import home_panel, my_study_panel


@hooks.register("register_admin_urls")
def register_admin_urls() -> list[object]:
    return [path("stats/", include((urls, "credits_admin"), namespace="credits_admin"))]


class StatsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return is_org_admin(request.user)


@hooks.register("register_admin_menu_item")
def register_stats_menu() -> MenuItem:
    return StatsMenuItem(_("Statistics"), reverse("credits_admin:index"), icon_name="table", order=255)


@hooks.register("register_admin_viewset")
def register_rules() -> CreditRulesGroup:
    return CreditRulesGroup()


@hooks.register(MY_STUDY_PANELS)
def credits_my_study(request: HttpRequest) -> list[Panel]:
    return my_study_panel(request)


@hooks.register(HOME_PANELS)
def credits_home(request: HttpRequest) -> list[Panel]:
    return home_panel(request)


@hooks.register(DEMO_SEEDERS, order=1000)  # last: the recompute then sees the other apps' demo content
def credits_demo(demo: object) -> list[str]:
    from .demo import seed_demo_credits

    return seed_demo_credits(demo)
