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
``ORG_METRICS``       fn(period: school.credits.periods.Period) -> iterable of (member_id, metric, done, total)
                      with metric "tasks" (study tasks completed / assigned) or "exams" (exams passed /
                      taken) for that period; feeds the organization scores (see school/credits/scoring.py).
``READINESS_CHECKS``  fn() -> ``school.readiness.Check``: one service this site needs (ffmpeg, the search
                      engine), reported by ``/ready/`` and ``manage.py check_services``.
``AFTER_RESTORE``     fn() -> iterable of str: work after ``manage.py restore`` loaded a backup (the search
                      app rebuilds its index); returns lines to print.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from wagtail import hooks

MEMBER_NAV_ITEMS = "school_member_nav_items"
HOME_PANELS = "school_home_panels"
MY_STUDY_PANELS = "school_my_study_panels"
DEMO_SEEDERS = "school_demo_seeders"
ORG_METRICS = "school_org_metrics"
FINAL_EXAM_LINK = "school_final_exam_link"
FINAL_EXAM_CHOICES = "school_final_exam_choices"
READINESS_CHECKS = "school_readiness_checks"
AFTER_RESTORE = "school_after_restore"


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str
    order: int
    icon: str = ""


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
