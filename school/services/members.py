from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from school.accounts.services import sync_transferred
from school.models import AccountState, AdminScope, Member, Organization
from school.permissions import ORG_ADMIN_GROUP, TRAINER_GROUP, forget_cached_scope

User = get_user_model()

_MEMBER_FIELDS = {
    "name",
    "organization",
    "political_status",
    "join_date",
    "gender",
    "ethnicity",
    "education",
    "position",
    "phone",
    "status",
}


@transaction.atomic
def create_member(
    *,
    username: str,
    name: str,
    organization: Organization,
    id_number: str | None = None,
    password: str | None = None,
    password_hash: str | None = None,
    political_status: str = "full",
    join_date: dt.date | None = None,
    **fields: Any,
) -> Member:
    """Create a login and its member profile. ``password_hash`` lets bulk tools reuse one hash."""
    user = User(username=username)
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    member = Member(
        user=user,
        account_state=AccountState.ACTIVE if user.has_usable_password() else AccountState.PENDING,
        name=name,
        organization=organization,
        political_status=political_status,
        join_date=join_date,
        **fields,
    )
    if id_number:
        member.set_id_number(id_number)
    member.save()
    return member


@transaction.atomic
def update_member(member: Member, *, id_number: str | None = None, **fields: Any) -> Member:
    unknown = set(fields) - _MEMBER_FIELDS
    if unknown:
        raise TypeError(f"cannot update {sorted(unknown)}")
    for key, value in fields.items():
        setattr(member, key, value)
    if id_number:
        member.set_id_number(id_number)
    member.save()
    sync_transferred([member])
    return member


@transaction.atomic
def grant_org_admin(user: Any, organization: Organization) -> AdminScope:
    scope, _ = AdminScope.objects.get_or_create(user=user, organization=organization)
    group, created = Group.objects.get_or_create(name=ORG_ADMIN_GROUP)
    if created:  # the role's group was missing (deleted by hand, or a flushed database): it opens the admin
        admin_type, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
        access_admin, _ = Permission.objects.get_or_create(
            content_type=admin_type, codename="access_admin", defaults={"name": "Can access Wagtail admin"})
        group.permissions.add(access_admin)
    user.groups.add(group)
    forget_cached_scope(user)
    return scope


@transaction.atomic
def revoke_org_admin(user: Any, organization: Organization) -> None:
    AdminScope.objects.filter(user=user, organization=organization).delete()
    if not AdminScope.objects.filter(user=user).exists():
        group = Group.objects.filter(name=ORG_ADMIN_GROUP).first()
        if group:
            user.groups.remove(group)
    forget_cached_scope(user)


@transaction.atomic
def grant_trainer(user: Any) -> None:
    group, _ = Group.objects.get_or_create(name=TRAINER_GROUP)
    user.groups.add(group)
