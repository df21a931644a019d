"""Formula injection: no export writes a live formula, whatever members, organizations and questions are
called, and the importers read the neutralised text back, so an export re-imports unchanged.

Every export URL is found through the permission matrix (each rule case whose answer is an .xlsx file),
so a new export is walked here without being listed; the export command is run as well."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from school.credits.models import RankingKind
from school.credits.rankings import take_snapshot
from school.excel import export_organizations, import_members, import_organizations
from school.models import Member, Organization

from .permission_matrix.rules import match_rules
from .permission_matrix.rules_admin import XLSX
from .permission_matrix.runner import build_url
from .permission_matrix.table import RULES
from .permission_matrix.urlconf import all_routes
from .permission_matrix.world import World, build_world

pytestmark = pytest.mark.django_db

HOSTILE = ["=1+2", '=HYPERLINK("http://x"&A2,"点击")', "'=1+2", "@SUM(1)", "-2+3", "+1", "\t=1+2", "\r=1+2"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Every xlsx the site builds on request. An activation sheet is a stored file (written once by the issuing task
# through the same build_workbook, and handed only to its issuer); the world's sheet is a placeholder file.
STORED_FILES = {"school_admin:account_sheet_download"}
EXPORTS = [(route, case) for route, rule in match_rules(all_routes(), RULES).matched.items()
           for case in rule.cases if case.content_type == XLSX and route.key not in STORED_FILES]


def _cells(content: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(content))  # not data_only: a formula stays a formula
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_no_formula(content: bytes, where: str) -> list[str]:
    cells = _cells(content)
    formulas = [f"{c.coordinate}={c.value!r}" for c in cells
                if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS))]
    assert not formulas, f"{where}: {formulas}"
    return [c.value for c in cells if isinstance(c.value, str)]


@pytest.fixture
def world(tmp_path: Path) -> World:
    """The permission matrix's world (every object every export needs), everything named hostilely."""
    world = build_world(tmp_path)
    for n, member in enumerate(Member.objects.order_by("pk")):
        Member.objects.filter(pk=member.pk).update(name=HOSTILE[n % len(HOSTILE)],
                                                   position=HOSTILE[(n + 1) % len(HOSTILE)])
    for n, org in enumerate(Organization.objects.order_by("pk")):
        Organization.objects.filter(pk=org.pk).update(name=HOSTILE[n % len(HOSTILE)])
    from exams.models import Question

    for n, question in enumerate(Question.objects.order_by("pk")):
        Question.objects.filter(pk=question.pk).update(
            stem=HOSTILE[n % len(HOSTILE)], explanation="=1+2", source="@SUM(1)",
            options=[HOSTILE[(n + i) % len(HOSTILE)] for i in range(len(question.options))])
    p = world.personas
    world.objects["snapshot"] = take_snapshot(RankingKind.MEMBERS, p.branch_group_a,
                                              world.objects["snapshot"].period, p.admin_a)
    return world


def test_it_writes_no_formula_in_any_export_url(world: World) -> None:
    assert len(EXPORTS) >= 10  # members, organizations, templates, statistics tables, tasks, banks, exams
    client = Client()
    client.force_login(world.personas.superuser)
    texts: dict[str, list[str]] = {}
    for route, case in EXPORTS:
        url = build_url(route, case, world)
        response = client.get(url)
        assert response.status_code == 200 and XLSX in response["Content-Type"], url
        texts[route.key] = _assert_no_formula(response.content, url)
    full = client.get("/admin/school/members/export/?full=1")
    texts["members full"] = _assert_no_formula(full.content, "full member export")
    neutralised = {"'" + value for value in HOSTILE}
    for key in ("school_admin:member_export", "members full", "school_admin:organization_export",
                "exams_tools:export_bank", "courses_admin:task_export"):
        assert neutralised & set(texts[key]), f"{key} shows none of the hostile values"
    # 未学习名单, member ranking, organization ranking, ranking snapshot, exam statistics:
    for key in ("credits_admin:idle", "credits_admin:members", "credits_admin:organization_ranking",
                "credits_admin:snapshot", "exams_tools:exam_statistics"):
        assert neutralised & set(texts[key]), f"{key} shows none of the hostile values"


def test_it_writes_no_formula_from_the_export_command(world: World, tmp_path: Path) -> None:
    out = tmp_path / "members.xlsx"
    call_command("export_members", str(out))
    values = _assert_no_formula(out.read_bytes(), "manage.py export_members")
    assert "'=1+2" in values and "''=1+2" in values  # neutralised, and a name that already began with a quote


def test_it_reimports_a_member_export_unchanged(world: World) -> None:
    client = Client()
    client.force_login(world.personas.superuser)
    content = client.get("/admin/school/members/export/?full=1").content
    # The importers trim surrounding whitespace, as they always did ("\t=1+2" comes back as "=1+2").
    before = {pk: name.strip() for pk, name in Member.objects.values_list("pk", "name")}
    positions = {pk: position.strip() for pk, position in Member.objects.values_list("pk", "position")}
    Member.objects.update(name="临时", position="")
    result = import_members(io.BytesIO(content), user=world.personas.superuser)
    assert result.ok, result.errors[:3]
    assert result.created == 0 and result.updated == len(before)
    assert dict(Member.objects.values_list("pk", "name")) == before
    assert dict(Member.objects.values_list("pk", "position")) == positions
    assert {"=1+2", "'=1+2"} <= set(before.values()) and "@SUM(1)" in positions.values()
    again = import_members(io.BytesIO(content), user=world.personas.superuser)
    assert (again.updated, again.unchanged) == (0, len(before))


def test_it_reimports_an_organization_export_unchanged(world: World) -> None:
    content = export_organizations(Organization.objects.order_by("path"))
    before = {pk: name.strip() for pk, name in Organization.objects.values_list("pk", "name")}
    Organization.objects.update(name="临时")
    result = import_organizations(io.BytesIO(content), user=world.personas.superuser)
    assert result.ok, result.errors[:3]
    assert dict(Organization.objects.values_list("pk", "name")) == before


def test_it_reimports_a_question_bank_export_unchanged(world: World) -> None:
    from exams.models import QuestionBank
    from exams.services.excel import export_workbook, import_workbook

    bank = world.objects["bank"]
    copy = QuestionBank.objects.create(name="副本", owner=world.personas.trainer)
    result = import_workbook(copy, io.BytesIO(export_workbook(bank)))
    assert result.ok, result.errors[:3]

    def content(b: Any) -> list[tuple[str, list[str], str, str]]:
        return [(q.stem, list(q.options), q.explanation, q.source)
                for q in b.questions.filter(is_active=True).order_by("id")]

    assert content(copy) == content(bank) and any(stem.startswith("=") for stem, *_ in content(copy))


def test_it_neutralises_exactly_what_a_spreadsheet_would_evaluate() -> None:
    from school.excel.workbook import neutralise, restore

    for value in [*HOSTILE, "''=1", "'abc", "abc", "x=1", "—", "", "'", 5, -2.5, None]:
        assert restore(neutralise(value)) == value
    assert [neutralise(v) for v in ("=1", "-5", "'=1", "'abc", "x=1", -5)] == ["'=1", "'-5", "''=1", "'abc", "x=1", -5]
