"""python manage.py search_index --rebuild | --update

--rebuild  builds a new index from every live page and swaps it in (Elasticsearch: a new versioned
           index behind the alias, swapped atomically; embedded: one transaction), so search never goes dark.
--update   re-indexes pages changed since they were indexed and drops entries of pages that are gone."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search import indexing
from search.backends import get_backend
from search.core import SearchUnavailable


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--rebuild", action="store_true", help="build a new index and swap it in")
        group.add_argument("--update", action="store_true", help="re-index changed pages only")

    def handle(self, *args: Any, **options: Any) -> None:
        backend = get_backend()
        start = time.monotonic()
        try:
            if options["rebuild"]:
                count = indexing.rebuild()
                self.stdout.write(f"search: rebuilt the {backend.name} index with {count} pages "
                                  f"in {time.monotonic() - start:.1f} s")
            else:
                written, removed = indexing.update()
                self.stdout.write(f"search: {backend.name} index updated: {written} pages indexed, {removed} removed "
                                  f"in {time.monotonic() - start:.1f} s")
        except SearchUnavailable as exc:
            raise CommandError(f"search engine unavailable: {exc}") from exc
