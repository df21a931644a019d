"""The one place that answers "may this user see or change this?".

Every view, API endpoint, export and admin screen asks these functions; nothing else decides scope.
Roles: a member sees themself; a trainer publishes content (group ``TRAINER_GROUP``); an organization
administrator manages the subtrees named by their ``AdminScope`` rows; a superuser manages all.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from .models import AdminScope, Member, Organization

TRAINER_GROUP = "讲师"
ORG_ADMIN_GROUP = "组织管理员"

AnyUser = AbstractBaseUser | AnonymousUser
_CACHE_ATTR = "_school_admin_paths"


def _is_superuser(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def admin_paths(user: Any) -> list[str]:
    """Tree paths of the subtrees this user administers, with nested ones folded into their parent."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return list(cached)
    paths = sorted(
        AdminScope.objects.filter(user_id=user.pk).values_list("organization__path", flat=True)
    )
    folded: list[str] = []
    for path in paths:
        if not any(path.startswith(kept) for kept in folded):
            folded.append(path)
    setattr(user, _CACHE_ATTR, folded)
    return list(folded)


def forget_cached_scope(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_org_admin(user: Any) -> bool:
    return _is_superuser(user) or bool(admin_paths(user))


def is_trainer(user: Any) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return _is_superuser(user) or user.groups.filter(name=TRAINER_GROUP).exists()


def member_of(user: Any) -> Member | None:
    if not user.is_authenticated:
        return None
    try:
        member: Member = user.member
    except Member.DoesNotExist:
        return None
    return member


def _scope_q(user: Any, path_field: str) -> Q | None:
    """None means no limit (superuser); an empty Q-match means nothing."""
    if _is_superuser(user):
        return None
    q = Q(pk__in=[])
    for path in admin_paths(user):
        q |= Organization.subtree_q(path, path_field)
    return q


def organizations_visible_to(user: Any) -> QuerySet[Organization]:
    qs = Organization.objects.all()
    scope = _scope_q(user, "path")
    return qs if scope is None else qs.filter(scope)


def organizations_choosable_by(user: Any) -> QuerySet[Organization]:
    """What the organization chooser offers: an administrator's subtrees (a superuser: the whole tree); a
    trainer without an administrator scope authors content for the whole platform and may pick any
    organization (as course and exam editors always could); anyone else: nothing."""
    if admin_paths(user) or _is_superuser(user):
        return organizations_visible_to(user)
    if is_trainer(user):
        return Organization.objects.all()
    return Organization.objects.none()


def members_visible_to(user: Any) -> QuerySet[Member]:
    """Members an administrator may see and manage (a member's own profile is ``can_view_member``)."""
    qs = Member.objects.select_related("organization", "user")
    scope = _scope_q(user, "organization__path")
    return qs if scope is None else qs.filter(scope)


def can_manage_organization(user: Any, organization: Organization) -> bool:
    if _is_superuser(user):
        return True
    return any(organization.path.startswith(path) for path in admin_paths(user))


def can_view_organization(user: Any, organization: Organization) -> bool:
    if can_manage_organization(user, organization):
        return True
    member = member_of(user)
    return member is not None and member.organization_id == organization.pk


def can_manage_member(user: Any, member: Member) -> bool:
    return can_manage_organization(user, member.organization)


def can_view_member(user: Any, member: Member) -> bool:
    return (user.is_authenticated and member.user_id == user.pk) or can_manage_member(user, member)


def can_create_root_organization(user: Any) -> bool:
    return _is_superuser(user)


def can_see_full_identifiers(user: Any) -> bool:
    """Only a superuser may ask for unmasked ID and phone numbers (and the request is audited)."""
    return _is_superuser(user)
