from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from school import audit
from school.credits import recompute
from school.credits.periods import PeriodError, parse


class Command(BaseCommand):
    help = "Rebuild member totals and organization scores from the credit ledger (set-based)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", action="append", default=[],
                            help="YYYY-MM, YYYY-Qn, YYYY or all; repeatable. Default: the current month, "
                                 "its quarter, its year and all.")

    def handle(self, *args: Any, **options: Any) -> None:
        keys: list[str] = options["period"]
        try:
            for key in keys:
                parse(key)
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        with audit.acting_as("manage.py recompute_scores"):
            done = recompute.recompute(keys or None)
        for key in done:
            self.stdout.write(f"recomputed {key}")
