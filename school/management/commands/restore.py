"""``manage.py restore DIR``: a backup made by ``manage.py backup`` onto an empty database (created, not migrated:
no tables at all) and an empty MEDIA_ROOT. Every checksum is verified before anything is written; the
row counts are compared with the manifest afterwards; then the search index is rebuilt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from school.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup onto an empty database and an empty MEDIA_ROOT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="a folder written by `manage.py backup`")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = restore_backup(options["folder"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for note in result.notes:
            self.stdout.write(note)
        self.stdout.write(f"restore: {result.folder}: {result.tables} tables, {result.rows} rows, "
                          f"{result.files} files ({result.bytes / 1e6:.1f} MB), row counts as in the manifest")
