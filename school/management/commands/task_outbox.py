"""python manage.py task_outbox [--flush [--all]]

Without options: lists the Celery tasks the broker did not take (per task: how many, oldest, last
reason). --flush sends those that are due again (--all: every stored row, also rows still in their
grace period or backing off); the exit status is non-zero when the broker still refuses them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Max, Min

from school import outbox
from school.models import OutboxTask


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--flush", action="store_true", help="send the stored tasks to the broker now")
        parser.add_argument("--all", action="store_true", help="with --flush: also rows not yet due")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["flush"]:
            result = outbox.flush(everything=options["all"], limit=100_000)
            self.stdout.write(f"task outbox: {result.sent} sent, {result.failed} failed, {result.remaining} left")
            if result.reason:
                raise CommandError(f"the broker still refuses tasks: {result.reason}")
            return
        rows = (OutboxTask.objects.values("task").annotate(n=Count("id"), oldest=Min("created_at"),
                                                           tries=Max("attempts")).order_by("task"))
        if not rows:
            self.stdout.write("task outbox: empty")
            return
        for row in rows:
            last = OutboxTask.objects.filter(task=row["task"]).order_by("-id").values_list("reason", flat=True).first()
            self.stdout.write(f"{row['task']}: {row['n']} waiting since {row['oldest']:%Y-%m-%d %H:%M:%S}, "
                              f"up to {row['tries']} failed sends; last reason: {last or '-'}")
        self.stdout.write(f"task outbox: {outbox.due()} due now")
