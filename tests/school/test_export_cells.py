"""Typed export cells: in every .xlsx export numbers are numbers (rates 0.0%, scores 0.00), dates are date
cells with a Chinese format, ID and phone numbers are text, and every sheet has widths, a frozen header
row and an autofilter. Every export URL is found through the permission matrix, as for formulas."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import load_workbook

from school.excel import export_members
from school.models import Member

from .permission_matrix.rules import match_rules
from .permission_matrix.rules_admin import XLSX
from .permission_matrix.runner import build_url
from .permission_matrix.table import RULES
from .permission_matrix.urlconf import all_routes
from .permission_matrix.world import World, build_world

pytestmark = pytest.mark.django_db

# An activation sheet is a stored file written once by its task (the world's is a placeholder), not an export.
STORED_FILES = {"school_admin:account_sheet_download"}
EXPORTS = [(route, case) for route, rule in match_rules(all_routes(), RULES).matched.items()
           for case in rule.cases if case.content_type == XLSX and route.key not in STORED_FILES]
NUMBER_AS_TEXT = re.compile(r"^-?\d+(\.\d+)?%$|^-?\d+\.\d{2}$|^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$")


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path)


def test_it_types_the_cells_of_every_export_url(world: World) -> None:
    client = Client()
    client.force_login(world.personas.superuser)
    typed: set[str] = set()
    for route, case in EXPORTS:
        url = build_url(route, case, world)
        response = client.get(url)
        assert response.status_code == 200 and XLSX in response["Content-Type"], url
        for sheet in load_workbook(io.BytesIO(response.content)).worksheets:
            assert sheet.freeze_panes == "A2", url
            assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), url
            assert sheet.column_dimensions["A"].width, url
            for row in sheet.iter_rows(min_row=2):
                for cell in row[1:]:  # column A holds labels ("90%–100%", "100%" of the score bands)
                    assert not (isinstance(cell.value, str) and NUMBER_AS_TEXT.match(cell.value)), \
                        f"{url} {sheet.title}!{cell.coordinate} holds {cell.value!r} as text"
                    if cell.number_format in ("0.0%", "0.00") or "年" in cell.number_format:
                        typed.add(cell.number_format)
    assert {"0.0%", "0.00"} <= typed  # rates and scores of the statistics tables


def test_it_writes_member_dates_as_dates_and_identifiers_as_text(world: World) -> None:
    Member.objects.update(join_date=dt.date(2010, 7, 1))
    content = export_members(Member.objects.order_by("pk"), full_identifiers=True)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    row = sheet[2]
    id_cell, phone_cell = row[headers.index("身份证号")], row[headers.index("手机号")]
    date_cell = row[headers.index("入党日期")]
    assert id_cell.data_type == "s" and id_cell.number_format == "@" and len(str(id_cell.value)) == 18
    assert phone_cell.number_format == "@"
    assert isinstance(date_cell.value, dt.datetime) and date_cell.value.date() == dt.date(2010, 7, 1)
    assert "年" in date_cell.number_format
