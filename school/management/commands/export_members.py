from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from school import audit
from school.excel import export_members
from school.models import AuditAction, Organization
from school.permissions import members_visible_to

from .import_members import _acting_user, saved_or_none


class Command(BaseCommand):
    help = "Export members to an Excel file (ID and phone numbers masked)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--organization", help="Organization code: export its whole subtree.")
        parser.add_argument("--as-user", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        user = _acting_user(options["as_user"])
        qs = members_visible_to(user)
        if options["organization"]:
            org = Organization.objects.filter(code=options["organization"]).first()
            if org is None:
                raise CommandError(f"No such organization code: {options['organization']}")
            qs = qs.filter(Organization.subtree_q(org.path, "organization__path"))
        qs = qs.order_by("organization__path", "name", "pk")
        count = qs.count()
        options["file"].write_bytes(export_members(qs.iterator(chunk_size=2000)))
        with audit.acting_as("manage.py export_members", saved_or_none(user)):
            audit.record(AuditAction.MEMBER_EXPORT, f"导出党员 {count} 人到 {options['file']}",
                         data={"file": str(options["file"]), "organization": options["organization"] or "",
                               "full": False})
        self.stdout.write(f"exported {count} members to {options['file']}")
