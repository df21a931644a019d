from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from exams.models import QuestionBank
from exams.services.imports import QUESTION_SUFFIXES, do_import_question_file


class Command(BaseCommand):
    help = ("Import questions into a bank from a spreadsheet (.xlsx/.xls/.ods/.csv), a Word document (.docx), "
            "Moodle GIFT (.gift/.txt), Moodle XML (.xml) or JSON Lines (.jsonl). All or nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--bank", default="综合题库", help="bank name (created when missing)")
        parser.add_argument("--owner", default=None, help="username of the bank's owner when it is created")
        parser.add_argument("--skip-unsupported", action="store_true",
                            help="leave out question types the platform does not have (essay, matching, …)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} does not exist")
        if path.suffix.lower() not in QUESTION_SUFFIXES:
            raise CommandError(f"unsupported file type {path.suffix or path.name}; use {' '.join(QUESTION_SUFFIXES)}")
        owner = None
        if not QuestionBank.objects.filter(name=options["bank"]).exists():
            User = get_user_model()
            owner = (User.objects.filter(username=options["owner"]).first() if options["owner"]
                     else User.objects.filter(is_superuser=True).order_by("pk").first())
            if owner is None:
                raise CommandError("no owner: pass --owner USERNAME or create a superuser first")
        result = do_import_question_file(path.name, path.read_bytes(), bank_name=options["bank"], owner=owner,
                                         skip_unsupported=options["skip_unsupported"])
        if result.errors:
            for error in result.errors[:50]:
                self.stderr.write(f"line {error.row}: {error.message}" if error.row else error.message)
            raise CommandError(f"{len(result.errors)} errors; nothing was imported")
        self.stdout.write(f"bank {options['bank']}: created {result.created}, updated {result.updated}, "
                          f"unchanged {result.unchanged}")
