"""Journey 3, the administrator of general branch A (desktop Chromium): sees the branch's study-task
completion and ranking change after the member's study, drills down to the member's ledger in three
clicks (统计 → 第一党支部 → 小明), exports the tables to Excel and checks the files match the screen."""

from __future__ import annotations

import re
from typing import Any

import openpyxl
import pytest

from school.credits.models import CreditEntry
from tests.e2e.journey_steps import (
    admin_login,
    assign_task_and_note_baseline,
    prepare_after_member,
    prepare_after_trainer,
    shot,
    table_rows,
)
from tests.e2e.story import Story
from tests.school.builders import shows_as

pytestmark = pytest.mark.journey("admin")


def row_of(rows: list[list[str]], column: int, value: str) -> list[str]:
    return next(row for row in rows if row[column] == value)


def same(screen: str, cell: Any) -> bool:
    """A cell of the file shows what the screen shows (numbers compared as numbers: 2 and "2.0")."""
    if shows_as(cell, screen):  # typed cells: rates as 0.0% numbers, dates as date cells
        return True
    if isinstance(cell, int | float):
        return float(screen) == float(cell)
    return screen == ("" if cell is None else str(cell))


def export_matches_screen(page: Any, table: str, story: Story, name: str) -> list[list[Any]]:
    """Download the table's Excel export in the browser; its rows must equal the table on the screen."""
    screen_head = page.eval_on_selector(f"table[data-table={table}]",
                                        "t => [...t.tHead.rows[0].cells].map(c => c.innerText.trim())")
    screen_rows = table_rows(page, f"table[data-table={table}]")
    with page.expect_download() as download:
        page.click("a.button[href*='format=xlsx']")
    path = story.work / f"{name}.xlsx"
    download.value.save_as(path)
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    file_rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [str(c) for c in file_rows[0]] == screen_head
    assert len(file_rows) - 1 == len(screen_rows) > 0
    for screen, cells in zip(screen_rows, file_rows[1:], strict=True):
        assert len(screen) == len(cells) and all(same(s, c) for s, c in zip(screen, cells, strict=True)), \
            (screen, cells)
    return file_rows


def test_it_shows_the_administrator_the_change_down_to_the_ledger_and_exports_it(journey: Story,
                                                                                 browser: Any) -> None:
    if "member" not in journey.done:  # run alone: the earlier journeys' end states, through services
        if "trainer" not in journey.done:
            prepare_after_trainer(journey)
        assign_task_and_note_baseline(browser, journey)
        prepare_after_member(journey)
        print("journey 3: the member's end state was prepared through services")
    cast = journey.cast
    a1, a2 = cast.a1.name, cast.a2.name

    page = admin_login(browser, journey, "admin_a")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    shot(page, 3, "01-dashboard")
    page.get_by_role("link", name="学习任务").first.click()
    page.locator("a", has_text="十二月党史专题学习").click()
    page.wait_for_url(f"**/admin/courses/tasks/{journey.ids['task']}/")
    completion = table_rows(page, "table[data-completion]")
    before = journey.baseline["completion"]
    # organization, members, completed, rate: in branch A1 (小明, 李四) 小明 completed it, A2 did not move
    assert row_of(before, 0, a1)[1:] == ["2", "0", "0%"] and row_of(completion, 0, a1)[1:] == ["2", "1", "50%"]
    assert row_of(completion, 0, a2)[1:] == row_of(before, 0, a2)[1:] == ["1", "0", "0%"]
    assert row_of(completion, 0, cast.branch_group_a.name)[1:] == ["3", "1", "33%"]
    shot(page, 3, "02-task-completion-after")

    page.get_by_role("link", name="统计").first.click()  # click 1: the general branch's statistics
    page.wait_for_url(re.compile(r"/admin/stats/organizations/\d+/"))
    children = table_rows(page, "table[data-table=children]")
    before = journey.baseline["children"]
    # rank among siblings (column 0), organization (1), studied (3): A1 overtakes A2
    assert (row_of(before, 1, a1)[0], row_of(before, 1, a2)[0]) == ("2", "1")
    assert (row_of(children, 1, a1)[0], row_of(children, 1, a2)[0]) == ("1", "2")
    assert int(row_of(children, 1, a1)[3]) == int(row_of(before, 1, a1)[3]) + 1
    assert float(row_of(children, 1, a1)[8]) > float(row_of(before, 1, a1)[8])
    shot(page, 3, "03-statistics-after")
    export_matches_screen(page, "children", journey, "children")

    page.locator("table[data-table=children] a", has_text=a1).click()  # click 2: the branch
    page.wait_for_url(re.compile(rf"/admin/stats/organizations/{cast.a1.pk}/"))
    top = table_rows(page, "table[data-table=top_members]")
    assert top[0][:2] == ["1", cast.member.name]
    shot(page, 3, "04-branch")
    page.locator("table[data-table=top_members] a", has_text=cast.member.name).click()  # click 3: the member
    page.wait_for_url(re.compile(rf"/admin/stats/members/{cast.member.pk}/"))
    ledger = table_rows(page, "table[data-table=ledger]")
    entries = CreditEntry.objects.filter(member=cast.member).order_by("earned_at", "id")
    assert [row[1] for row in ledger] == [e.rule.name for e in entries] and len(ledger) == 3
    assert sum(float(row[5]) for row in ledger) == float(top[0][3])
    shot(page, 3, "05-member-ledger")
    export_matches_screen(page, "ledger", journey, "ledger")
    page.context.close()
