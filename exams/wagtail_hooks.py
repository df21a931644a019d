from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from school.credits.periods import Period
from school.hooks import (
    DEMO_SEEDERS,
    FINAL_EXAM_CHOICES,
    FINAL_EXAM_LINK,
    HOME_PANELS,
    MEMBER_NAV_ITEMS,
    MY_STUDY_PANELS,
    ORG_METRICS,
    WEBSOCKET_ROUTES,
    Link,
    NavItem,
    Panel,
)
from school.permissions import member_of


@hooks.register(MEMBER_NAV_ITEMS)
def exams_nav_items(request: HttpRequest) -> list[NavItem]:
    if member_of(request.user) is None:
        return []
    return [NavItem("exams", str(_("Exams")), reverse("exams:list"), order=30, icon="edit"),
            NavItem("battles", str(_("Quiz battle")), reverse("exams:battles"), order=32, icon="battle")]


@hooks.register(WEBSOCKET_ROUTES)
def exams_websocket_routes() -> list[object]:
    from .routing import websocket_urlpatterns

    return list(websocket_urlpatterns)


@hooks.register(HOME_PANELS)
def exams_home_panels(request: HttpRequest) -> list[Panel]:
    from .panels import home_panels

    return home_panels(request)


@hooks.register(MY_STUDY_PANELS)
def exams_my_study_panels(request: HttpRequest) -> list[Panel]:
    from .panels import my_study_panels

    return my_study_panels(request)


@hooks.register(FINAL_EXAM_LINK)
def final_exam_link(request: HttpRequest, exam_id: int) -> Link | None:
    """A course's final exam, for a member it is published for and targets (else None: no link)."""
    from .models import Attempt, Exam
    from .services.eligibility import targets_member

    member = member_of(request.user)
    exam = Exam.objects.filter(pk=exam_id, status=Exam.Status.PUBLISHED).first()
    if member is None or exam is None or not targets_member(exam, member):
        return None
    passed = Attempt.objects.filter(member=member, exam=exam, passed=True).exists()
    return Link(reverse("exams:detail", args=[exam.pk]), exam.title, str(_("Passed")) if passed else "")


@hooks.register(FINAL_EXAM_CHOICES)
def final_exam_choices(user: object) -> list[tuple[int, str]]:
    """Draft and published exams, newest first, for the course editor's final exam field."""
    from .models import Exam

    exams = Exam.objects.exclude(status=Exam.Status.ARCHIVED).order_by("-pk")[:200]
    return [(exam.pk, f"{exam.title}（{exam.get_status_display()}）") for exam in exams]


@hooks.register(ORG_METRICS)
def exam_metrics(period: Period, member_ids: list[int] | None = None) -> Iterator[tuple[int, str, int, int]]:
    """Exams passed / taken per member, for the organization scores (see ``credits.exam_metrics``)."""
    from .credits import exam_metrics

    return exam_metrics(period, member_ids)


@hooks.register(DEMO_SEEDERS)
def seed_exams_demo(demo: object) -> list[str]:
    from .demo import seed

    return seed(demo)


def _register_policies() -> None:
    from wagtail.permissions import register_permission_policy

    from .admin_views.policies import CertificatePolicy, TrainerPolicy
    from .models import Certificate, Exam, Question, QuestionBank

    for model in (QuestionBank, Question, Exam):
        register_permission_policy(model, TrainerPolicy(model))
    register_permission_policy(Certificate, CertificatePolicy(Certificate))


_register_policies()


@hooks.register("register_admin_viewset")
def register_exams_viewsets() -> object:
    from .admin_views.viewsets import ExamsGroup

    return ExamsGroup()
