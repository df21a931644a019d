"""Changes to organization data: plain typed functions, each in one transaction, called alike from
views, tasks, management commands and tests."""

from .members import (
    MembershipError,
    create_member,
    do_change_member_status,
    do_transfer_member,
    grant_org_admin,
    grant_trainer,
    revoke_org_admin,
    update_member,
)
from .organizations import (
    OrganizationError,
    create_organization,
    delete_organization,
    move_organization,
    update_organization,
)
from .spreadsheets import (
    do_export_members,
    do_import_members,
    do_import_organizations,
    do_submit_member_import,
    run_member_import,
)

__all__ = [
    "MembershipError",
    "OrganizationError",
    "create_member",
    "create_organization",
    "delete_organization",
    "do_change_member_status",
    "do_export_members",
    "do_import_members",
    "do_import_organizations",
    "do_submit_member_import",
    "do_transfer_member",
    "grant_org_admin",
    "grant_trainer",
    "move_organization",
    "revoke_org_admin",
    "run_member_import",
    "update_member",
    "update_organization",
]
