from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from school import audit
from school.excel import import_organizations
from school.models import AuditAction

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
        with audit.acting_as("manage.py import_organizations", saved_or_none(user)):
            with path.open("rb") as fh:
                result = import_organizations(fh, user=user)
            if result.ok:
                audit.record(AuditAction.ORGANIZATION_IMPORT,
                             f"组织导入 {path.name}：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}",
                             data={"file": str(path)})
        if not result.ok:
            for e in result.errors:
                self.stderr.write(f"第 {e.row} 行 {e.column}: {e.message}" if e.row else e.message)
            raise CommandError(f"{len(result.errors)} problem(s); nothing was imported.")
        self.stdout.write(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")
