from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from school.hooks import DEMO_SEEDERS, MEMBER_NAV_ITEMS, NavItem
from school.permissions import member_of


@hooks.register(MEMBER_NAV_ITEMS)
def exams_nav_items(request: HttpRequest) -> list[NavItem]:
    if member_of(request.user) is None:
        return []
    return [NavItem("exams", str(_("Exams")), reverse("exams:list"), order=30, icon="edit")]


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
