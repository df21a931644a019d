"""``manage.py backup DIR``: the database (pg_dump on PostgreSQL, SQLite's online backup API on SQLite),
every file under MEDIA_ROOT and a manifest with checksums and row counts, into a new folder DIR.
Restore with ``manage.py restore DIR``; schedule and retention: docs/operations.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from school.backups import BackupError, make_backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into a new folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="a new (or empty) folder for this backup")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = make_backup(options["folder"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backup: {result.folder}: {result.tables} tables, {result.rows} rows, "
                          f"{result.files} files ({result.bytes / 1e6:.1f} MB)")
