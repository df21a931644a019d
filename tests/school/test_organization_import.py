import pytest

from school.excel import import_organizations
from school.models import Organization
from tests.school.builders import ORG_HEADERS, workbook

pytestmark = pytest.mark.django_db


def test_it_imports_children_before_parents_and_is_idempotent(personas):
    rows = [["TA1-G2", "第二党小组", "党小组", "TA1-G", "", ""], ["TA1-G", "第一党小组", "党小组", "TA1", "李四", ""]]
    result = import_organizations(workbook(ORG_HEADERS, rows), user=personas.admin_a)
    assert (result.ok, result.created) == (True, 2)
    assert Organization.objects.get(code="TA1-G2").get_parent().code == "TA1-G"
    again = import_organizations(workbook(ORG_HEADERS, rows), user=personas.admin_a)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_it_moves_and_renames_existing_organizations(personas):
    rows = [["TA2", "第二党支部（新）", "党支部", "TA1", "", ""]]
    result = import_organizations(workbook(ORG_HEADERS, rows), user=personas.admin_a)
    assert result.updated == 1
    org = Organization.objects.get(code="TA2")
    assert org.name == "第二党支部（新）" and org.get_parent().code == "TA1"


def test_it_refuses_cycles_unknown_parents_kinds_and_other_scopes(personas):
    rows = [
        ["C1", "甲", "党支部", "C2", "", ""],
        ["C2", "乙", "党支部", "C1", "", ""],
        ["C3", "丙", "党支部", "NOPE", "", ""],
        ["C4", "丁", "委员会", "TA", "", ""],
        ["X1", "改别人的", "党支部", "TA", "", ""],
        ["C5", "顶级", "党委", "", "", ""],
    ]
    result = import_organizations(workbook(ORG_HEADERS, rows), user=personas.admin_a)
    messages = " ".join(e.message for e in result.errors)
    for expected in ("循环", "NOPE", "委员会", "X1", "系统管理员"):
        assert expected in messages, expected
    assert not Organization.objects.filter(code__startswith="C").exists()
    assert Organization.objects.get(code="X1").name == "某某党支部"


def test_it_imports_through_the_admin_screen(personas, client_for):
    client = client_for(personas.admin_a)
    upload = workbook(ORG_HEADERS, [["TA3", "第三党支部", "党支部", "TA", "", ""]])
    response = client.post("/admin/school/organizations/import/", {"file": upload})
    assert response.status_code == 302
    assert Organization.objects.filter(code="TA3").exists()
    bad = workbook(ORG_HEADERS, [["TA4", "第四党支部", "党支部", "X", "", ""]])
    page = client.post("/admin/school/organizations/import/", {"file": bad}).content.decode()
    assert "未导入任何数据" in page and not Organization.objects.filter(code="TA4").exists()
