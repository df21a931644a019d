from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from school.models import Organization


class OrganizationError(ValueError):
    """A change to the tree that is refused; the message is for the user."""


@transaction.atomic
def create_organization(
    *,
    parent: Organization | None,
    name: str,
    code: str,
    kind: str,
    contact_person: str = "",
    contact_phone: str = "",
) -> Organization:
    if Organization.objects.filter(code=code).exists():
        raise OrganizationError(_("Organization code %(code)s is already used.") % {"code": code})
    fields = {
        "name": name,
        "code": code,
        "kind": kind,
        "contact_person": contact_person,
        "contact_phone": contact_phone,
    }
    if parent is None:
        return Organization.add_root(**fields)
    parent = Organization.objects.get(pk=parent.pk)  # fresh path/numchild: treebeard needs them
    return parent.add_child(**fields)


@transaction.atomic
def update_organization(organization: Organization, **fields: str) -> Organization:
    allowed = {"name", "kind", "contact_person", "contact_phone"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"cannot update {sorted(unknown)}")
    for key, value in fields.items():
        setattr(organization, key, value)
    organization.save(update_fields=[*fields, "updated_at"])
    return organization


@transaction.atomic
def move_organization(organization: Organization, new_parent: Organization) -> Organization:
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    new_parent = Organization.objects.get(pk=new_parent.pk)
    if new_parent.path.startswith(organization.path):
        raise OrganizationError(_("An organization cannot be moved under itself or its own suborganizations."))
    current_parent = organization.get_parent()
    if current_parent is not None and current_parent.pk == new_parent.pk:
        return organization
    organization.move(new_parent, pos="sorted-child")
    return Organization.objects.get(pk=organization.pk)


@transaction.atomic
def delete_organization(organization: Organization) -> None:
    organization = Organization.objects.get(pk=organization.pk)
    if organization.get_children_count():
        raise OrganizationError(_("Delete or move its suborganizations first."))
    if organization.members.exists():
        raise OrganizationError(_("The organization still has members; transfer them first."))
    organization.delete()
