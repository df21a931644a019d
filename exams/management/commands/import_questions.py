from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from exams.models import QuestionBank
from exams.services.excel import import_workbook
from exams.services.jsonl import import_jsonl


class Command(BaseCommand):
    help = "Import questions from a JSON Lines file (shared/corpus format) or an Excel workbook into a bank."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--bank", default="综合题库", help="bank name (created when missing)")
        parser.add_argument("--owner", default=None, help="username of the bank's owner when it is created")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} does not exist")
        bank = QuestionBank.objects.filter(name=options["bank"]).first()
        if bank is None:
            User = get_user_model()
            owner = (User.objects.filter(username=options["owner"]).first() if options["owner"]
                     else User.objects.filter(is_superuser=True).order_by("pk").first())
            if owner is None:
                raise CommandError("no owner: pass --owner USERNAME or create a superuser first")
            bank = QuestionBank.objects.create(name=options["bank"], owner=owner)
        if path.suffix.lower() == ".xlsx":
            result = import_workbook(bank, str(path))
        else:
            with path.open(encoding="utf-8") as handle:
                result = import_jsonl(bank, handle)
        if result.errors:
            for error in result.errors[:50]:
                self.stderr.write(f"line {error.row}: {error.message}")
            raise CommandError(f"{len(result.errors)} errors; nothing was imported")
        self.stdout.write(f"bank {bank.name}: created {result.created}, updated {result.updated}, "
                          f"unchanged {result.unchanged}")
