"""Excel export of a statistics table: the rows the page shows, nothing recomputed."""

from __future__ import annotations

from school.excel.workbook import build_workbook

from .tables import Table


def workbook(table: Table) -> bytes:
    return build_workbook(table.title[:31].replace("/", "-"), table.columns, table.rows)
