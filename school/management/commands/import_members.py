from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from school import audit
from school.services import do_import_members


class Command(BaseCommand):
    help = "Import members from an Excel file (all rows or none; re-importing changes nothing)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--as-user", default=None,
                            help="Import with this administrator's scope (default: whole tree).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = _acting_user(options["as_user"])
        with audit.acting_as("manage.py import_members", saved_or_none(user)), path.open("rb") as fh:
            result = do_import_members(fh, user=user, file_name=path.name)
        if not result.ok:
            for e in result.errors:
                self.stderr.write(f"第 {e.row} 行 {e.column}: {e.message}" if e.row else e.message)
            raise CommandError(f"{len(result.errors)} problem(s); nothing was imported.")
        self.stdout.write(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")


def saved_or_none(user: Any) -> Any:
    """The user a command acts as, for the audit log (None for the built-in whole-tree user)."""
    return user if getattr(user, "pk", None) is not None else None


def _acting_user(username: str | None) -> Any:
    User = get_user_model()
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No such user: {username}")
        return user
    return User(username="manage.py", is_superuser=True, is_active=True)
