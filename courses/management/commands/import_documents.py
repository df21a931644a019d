from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.services.documents import import_documents, read_rows
from school.excel.workbook import SPREADSHEET_SUFFIXES


class Command(BaseCommand):
    help = "Import policy documents from a .jsonl, .xlsx, .xls, .ods or .csv file (idempotent by title + version; all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            rows = list(read_rows(path))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        result = import_documents(rows, first_line=2 if path.suffix.lower() in SPREADSHEET_SUFFIXES else 1)
        if result.errors:
            for error in result.errors:
                self.stderr.write(f"row {error.row}: {error.column}: {error.message}")
            raise CommandError(f"{len(result.errors)} row error(s); nothing was imported")
        self.stdout.write(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")
