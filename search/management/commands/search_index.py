"""python manage.py search_index --rebuild | --update | --catch-up

--rebuild   builds a new index from every live page and swaps it in (Elasticsearch: a new versioned
            index behind the alias, swapped atomically; embedded: one transaction), so search never goes dark.
--update    re-indexes pages changed since they were indexed and drops entries of pages that are gone.
--catch-up  indexes the pages whose indexing failed while the engine was unreachable (what the beat
            entry search-catch-up does); fails while the engine is still down."""

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
        group.add_argument("--catch-up", action="store_true",
                           help="index the pages left over from an engine outage")

    def handle(self, *args: Any, **options: Any) -> None:
        backend = get_backend()
        start = time.monotonic()
        try:
            if options["catch_up"]:
                result = indexing.catch_up(limit=1_000_000)
                if result.reason:
                    raise SearchUnavailable(f"{result.reason} ({result.indexed} pages indexed, "
                                            f"{result.remaining} still waiting)")
                self.stdout.write(f"search: caught up {result.indexed} pages on the {backend.name} index "
                                  f"in {time.monotonic() - start:.1f} s")
            elif options["rebuild"]:
                count = indexing.rebuild()
                self.stdout.write(f"search: rebuilt the {backend.name} index with {count} pages "
                                  f"in {time.monotonic() - start:.1f} s")
            else:
                written, removed = indexing.update()
                self.stdout.write(f"search: {backend.name} index updated: {written} pages indexed, {removed} removed "
                                  f"in {time.monotonic() - start:.1f} s")
        except SearchUnavailable as exc:
            raise CommandError(f"search engine unavailable: {exc}") from exc
