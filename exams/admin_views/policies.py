"""Wagtail permission policies that ask school.permissions (trainers manage banks and exams;
organization administrators see certificates inside their subtrees)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from wagtail.permission_policies.base import BasePermissionPolicy

from school.models import Organization
from school.permissions import TRAINER_GROUP, admin_paths, is_org_admin, is_trainer


class TrainerPolicy(BasePermissionPolicy):
    def user_has_permission(self, user: Any, action: str) -> bool:
        return is_trainer(user)

    def users_with_any_permission(self, actions: Any) -> QuerySet[Any]:
        return get_user_model().objects.filter(Q(is_superuser=True) | Q(groups__name=TRAINER_GROUP)).distinct()


class CertificatePolicy(BasePermissionPolicy):
    """View (and revoke through the tools) for superusers and organization administrators, in scope."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        return action in ("view", "change") and is_org_admin(user)

    def users_with_any_permission(self, actions: Any) -> QuerySet[Any]:
        return get_user_model().objects.filter(Q(is_superuser=True) | Q(admin_scopes__isnull=False)).distinct()

    def instances_user_has_any_permission_for(self, user: Any, actions: Any) -> QuerySet[Any]:
        qs = self.model._default_manager.all()
        if user.is_superuser:
            return qs
        q = Q(pk__in=[])
        for path in admin_paths(user):
            q |= Organization.subtree_q(path, "member__organization__path")
        return qs.filter(q)

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self.instances_user_has_any_permission_for(user, [action]).filter(pk=instance.pk).exists()


def may_publish_exam(user: Any, exam: Any) -> bool:
    """A superuser; or an organization administrator whose subtrees hold every organization the exam is for (an
    exam for everyone, with no target organizations, is published by a superuser). Trainers submit, never publish."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    paths = admin_paths(user)
    targets = list(exam.target_organizations.values_list("path", flat=True))
    return bool(paths and targets) and all(any(t.startswith(p) for p in paths) for t in targets)


def exams_publishable_by(user: Any) -> QuerySet[Any]:
    """Exams whose every target organization lies in the user's subtrees (all exams for a superuser)."""
    from ..models import Exam

    qs = Exam.objects.all()
    if user.is_superuser:
        return qs
    paths = admin_paths(user)
    if not paths:
        return qs.none()
    inside = Q(pk__in=[])
    for path in paths:
        inside |= Organization.subtree_q(path)
    outside = Organization.objects.exclude(inside)
    return qs.filter(target_organizations__isnull=False).exclude(target_organizations__in=outside).distinct()
