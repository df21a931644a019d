import pytest

from tests.school.builders import MEMBER_HEADERS, ORG_HEADERS, read

pytestmark = pytest.mark.django_db


def test_it_exports_only_the_scope_with_masked_identifiers(personas, client_for):
    response = client_for(personas.admin_a).get("/admin/school/members/export/?full=1")
    assert response.status_code == 200
    table = read(response.content)
    assert table[0] == MEMBER_HEADERS
    names = {row[0] for row in table[1:]}
    assert names == {"小明", "小红"}
    raw = personas.member.id_number.reveal()
    flat = str(table)
    assert raw not in flat and personas.member.id_number_masked in flat and "13800138000" not in flat


def test_it_gives_full_identifiers_to_a_superuser_who_asks(personas, client_for):
    table = read(client_for(personas.superuser).get("/admin/school/members/export/?full=1").content)
    assert personas.member.id_number.reveal() in str(table)
    assert len(table) == 4


def test_it_exports_a_filtered_subtree(personas, client_for):
    client = client_for(personas.admin_a)
    table = read(client.get(f"/admin/school/members/export/?organization={personas.a2.pk}").content)
    assert [row[0] for row in table[1:]] == ["小红"]
    # another committee's organization id is ignored, not honoured
    table = read(client.get(f"/admin/school/members/export/?organization={personas.x1.pk}").content)
    assert {row[0] for row in table[1:]} == {"小明", "小红"}


def test_it_exports_the_organization_tree_with_parent_codes(personas, client_for):
    table = read(client_for(personas.admin_a).get("/admin/school/organizations/export/").content)
    assert table[0] == ORG_HEADERS
    assert [(r[0], r[2], r[3]) for r in table[1:]] == [("TA", "党总支", "T"), ("TA1", "党支部", "TA"), ("TA2", "党支部", "TA")]
