"""Path converters. ``<id:pk>`` is the one converter for database ids in every urls.py of the project: digits
within a 64-bit signed integer (SQLite's INTEGER, PostgreSQL's bigint). A longer id matches no route, so it is a
404 before any view, ORM or raw SQL sees it (Python's ints are unbounded; the database's are not).
Registered in ``SchoolConfig.ready()``; Wagtail's own routes keep Django's ``int``."""

from __future__ import annotations

ID_MAX = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > ID_MAX:
            raise ValueError(value)  # no match: the resolver tries the next pattern, then 404
        return number

    def to_url(self, value: int | str) -> str:
        return str(int(value))
