from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from school import audit
from school.accounts.services import sync_transferred
from school.models import AccountState, AdminScope, AuditAction, Member, Membership, MemberStatus, Organization
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
    registered_on: dt.date | None = None,
    **fields: Any,
) -> Member:
    """Create a login and its member profile. ``password_hash`` lets bulk tools reuse one hash. A member on
    the roll gets their first spell (``Membership``) in ``organization`` from ``registered_on`` (today; an
earlier day counts them in the periods since, e.g. members entered after the system went live)."""
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
    today = timezone.localdate()
    since = min(registered_on or today, today)
    on_the_roll = member.status == MemberStatus.ACTIVE
    if on_the_roll and since < today:  # the spell first, then the statistics of the periods since follow it
        member.status = MemberStatus.TRANSFERRED
    member.save()
    if on_the_roll:
        Membership.objects.create(member=member, organization=organization, valid_from=since)
        if member.status != MemberStatus.ACTIVE:
            member.status = MemberStatus.ACTIVE
            member._membership_effective_on = since  # type: ignore[attr-defined]  # read by the signal handler
            member.save(update_fields=["status", "updated_at"])
    return member


class MembershipError(ValueError):
    """A transfer or a status change refused (nothing was changed); the message says why, in Chinese."""


@transaction.atomic
def update_member(member: Member, *, id_number: str | None = None, effective_on: dt.date | None = None,
                  **fields: Any) -> Member:
    """Change a member's profile. A new organization or status moves their spells (``Membership``) from
    ``effective_on`` (today), as ``do_transfer_member`` and ``do_change_member_status`` do, with an audit
    row; a refused date raises ``MembershipError``."""
    unknown = set(fields) - _MEMBER_FIELDS
    if unknown:
        raise TypeError(f"cannot update {sorted(unknown)}")
    stored = _stored(member)
    for key, value in fields.items():
        setattr(member, key, value)
    if id_number:
        member.set_id_number(id_number)
    _save_moved(member, stored, effective_on or timezone.localdate())
    return member


@transaction.atomic
def do_transfer_member(member: Member, organization: Organization, *, effective_on: dt.date | None = None,
                       actor: Any = None) -> Member:
    """Transfer a member on the roll to ``organization`` from ``effective_on`` (today; may be in the past,
    not before their present spell began): the statistics of the periods counted from that day on follow
    them, earlier ones stay with the old organization."""
    stored = _stored(member)
    if stored.status != MemberStatus.ACTIVE:
        raise MembershipError(_("Only a member on the roll can be transferred; this member has been transferred out."))
    if stored.organization_id == organization.pk:
        raise MembershipError(_("The member is already in %(organization)s.") % {"organization": organization.name})
    member.organization = organization
    _save_moved(member, stored, effective_on or timezone.localdate(), actor=actor)
    return member


@transaction.atomic
def do_change_member_status(member: Member, status: str, *, effective_on: dt.date | None = None,
                            actor: Any = None) -> Member:
    """转出 (leaves the roll: their spell ends on ``effective_on``) or back to 在册 (a new spell from
    ``effective_on``, in their organization)."""
    stored = _stored(member)
    if status not in MemberStatus.values:
        raise MembershipError(_("Unknown status %(status)s.") % {"status": status})
    if stored.status == status:
        raise MembershipError(_("The member's status is already “%(status)s”.")
                              % {"status": MemberStatus(status).label})
    member.status = status
    _save_moved(member, stored, effective_on or timezone.localdate(), actor=actor)
    return member


class _Stored(NamedTuple):
    organization_id: int
    status: str


def _stored(member: Member) -> _Stored:
    """The member's organization and status as stored, the row locked until the transaction ends."""
    organization_id, status = Member.objects.select_for_update().values_list("organization_id", "status").get(
        pk=member.pk)
    return _Stored(organization_id, status)


def _check_day(member: Member, day: dt.date, open_spell: Membership | None) -> None:
    if day > timezone.localdate():
        raise MembershipError(_("The effective date cannot be in the future."))
    if open_spell is not None and day < open_spell.valid_from:
        raise MembershipError(_("The effective date cannot be before %(day)s, when the member's present spell "
                                "in %(organization)s began.")
                              % {"day": open_spell.valid_from.isoformat(), "organization": open_spell.organization.name})
    if open_spell is None:
        last = Membership.objects.filter(member=member).order_by("-valid_to").first()
        if last is not None and last.valid_to is not None and day < last.valid_to:
            raise MembershipError(_("The effective date cannot be before %(day)s, when the member last left the roll.")
                                  % {"day": last.valid_to.isoformat()})


def _save_moved(member: Member, stored: _Stored, day: dt.date, *, actor: Any = None) -> None:
    """Save the member; if their organization or status changed, first make their spells follow from ``day``
    (the signal handler then moves their statistics for the periods counted from ``day`` on) and record it."""
    transferred = stored.organization_id != member.organization_id
    status_changed = stored.status != member.status
    if transferred or status_changed:
        open_spell = (Membership.objects.select_for_update().select_related("organization")
                      .filter(member=member, valid_to__isnull=True).first())
        active = member.status == MemberStatus.ACTIVE
        if open_spell is not None or active:
            _check_day(member, day, open_spell)
        Membership.objects.follow([member], day)
        member._membership_effective_on = day  # type: ignore[attr-defined]  # read by the signal handler
    member.save()
    sync_transferred([member])
    if transferred:
        old = Organization.objects.get(pk=stored.organization_id)
        audit.record(AuditAction.MEMBER_TRANSFERRED,
                     f"党员调动：{member.name}，{old.name} → {member.organization.name}，{day.isoformat()} 起生效",
                     actor=actor, target=member,
                     data={"member": member.pk, "from": old.pk, "to": member.organization_id,
                           "effective_on": day.isoformat()})
    if status_changed:
        audit.record(AuditAction.MEMBER_STATUS_CHANGED,
                     f"党员状态变更：{member.name}，{MemberStatus(stored.status).label} → "
                     f"{MemberStatus(member.status).label}，{day.isoformat()} 起生效",
                     actor=actor, target=member,
                     data={"member": member.pk, "from": stored.status, "to": member.status,
                           "effective_on": day.isoformat()})


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
