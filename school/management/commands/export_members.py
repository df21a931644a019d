from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from school import audit
from school.models import Organization
from school.permissions import members_visible_to
from school.services import do_export_members

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
        with audit.acting_as("manage.py export_members", saved_or_none(user)):
            content = do_export_members(qs, destination=str(options["file"]),
                                        details={"organization": options["organization"] or ""})
        options["file"].write_bytes(content)
        self.stdout.write(f"exported {count} members to {options['file']}")
