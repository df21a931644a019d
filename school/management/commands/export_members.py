from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from school.excel import export_members
from school.models import Organization
from school.permissions import members_visible_to

from .import_members import _acting_user


class Command(BaseCommand):
    help = "Export members to an Excel file (ID and phone numbers masked)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--organization", help="Organization code: export its whole subtree.")
        parser.add_argument("--as-user", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        qs = members_visible_to(_acting_user(options["as_user"]))
        if options["organization"]:
            org = Organization.objects.filter(code=options["organization"]).first()
            if org is None:
                raise CommandError(f"No such organization code: {options['organization']}")
            qs = qs.filter(Organization.subtree_q(org.path, "organization__path"))
        qs = qs.order_by("organization__path", "name", "pk")
        options["file"].write_bytes(export_members(qs.iterator(chunk_size=2000)))
        self.stdout.write(f"exported {qs.count()} members to {options['file']}")
