"""``manage.py check_services``: database, broker, cache, search engine, ffmpeg and free disk, one line
each; exit code 0 when all answer, 1 otherwise (for cron, monitoring agents and deploy scripts)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from school.readiness import report, run_checks


class Command(BaseCommand):
    help = "Check every service the site depends on; exit 1 when one fails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the same JSON as /ready/")

    def handle(self, *args: Any, **options: Any) -> None:
        checks = run_checks()
        if options["json"]:
            self.stdout.write(json.dumps(report(checks), ensure_ascii=False, indent=2))
        else:
            for check in checks:
                style = self.style.SUCCESS if check.ok else self.style.ERROR
                self.stdout.write(f"{style(check.status.upper()):<6} {check.name:<9} {check.message} "
                                  f"({check.duration_ms:.0f} ms)")
        failed = [check.name for check in checks if not check.ok]
        if failed:
            raise CommandError(_("Not available: %(names)s") % {"names": ", ".join(failed)}, returncode=1)
