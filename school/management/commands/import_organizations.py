from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from school import audit
from school.services import do_import_organizations

from .import_members import _acting_user, saved_or_none


class Command(BaseCommand):
    help = "Import the organization tree from an Excel file (all rows or none)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--as-user", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = _acting_user(options["as_user"])
        with audit.acting_as("manage.py import_organizations", saved_or_none(user)), path.open("rb") as fh:
            result = do_import_organizations(fh, user=user, file_name=path.name)
        if not result.ok:
            for e in result.errors:
                self.stderr.write(f"第 {e.row} 行 {e.column}: {e.message}" if e.row else e.message)
            raise CommandError(f"{len(result.errors)} problem(s); nothing was imported.")
        self.stdout.write(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")
