import pytest

from school import services
from school.models import Organization
from tests.factories import make_member, make_org

pytestmark = pytest.mark.django_db


def test_it_builds_a_tree_of_any_depth_and_finds_subtrees_by_range(personas):
    deep = personas.a1
    for level in range(6):
        deep = make_org(deep, f"第{level}层小组", f"DEEP{level}", "group")
    subtree = set(personas.branch_group_a.subtree().values_list("code", flat=True))
    assert subtree == {"TA", "TA1", "TA2", *(f"DEEP{i}" for i in range(6))}
    treebeard = {o.code for o in Organization.objects.get(code="TA").get_descendants()} | {"TA"}
    assert subtree == treebeard
    assert deep.breadcrumb.startswith("中共测试区委 / 机关党总支 / 第一党支部")


def test_it_moves_a_subtree_with_its_members(personas):
    moved = services.move_organization(personas.a1, personas.other_committee)
    personas.member.refresh_from_db()
    assert moved.get_parent().code == "X"
    assert personas.member.organization.is_in_subtree_of(personas.other_committee)
    assert not Organization.objects.get(code="TA1").is_in_subtree_of(personas.branch_group_a)


def test_it_refuses_to_move_an_organization_under_its_own_descendant(personas):
    with pytest.raises(services.OrganizationError, match="不能"):
        services.move_organization(personas.branch_group_a, personas.a1)
    assert Organization.objects.get(code="TA1").get_parent().code == "TA"


def test_it_refuses_to_delete_an_organization_with_children_or_members(personas):
    with pytest.raises(services.OrganizationError):
        services.delete_organization(personas.branch_group_a)
    with pytest.raises(services.OrganizationError):
        services.delete_organization(personas.a1)
    empty = make_org(personas.a2, "空小组", "EMPTY", "group")
    services.delete_organization(empty)
    assert not Organization.objects.filter(code="EMPTY").exists()
    assert Organization.objects.get(code="TA2").numchild == 0


def test_it_refuses_a_duplicate_code(personas):
    with pytest.raises(services.OrganizationError, match="TA1"):
        make_org(personas.a2, "重复", "TA1")


def test_it_keeps_members_in_their_organization_when_siblings_are_added(personas):
    make_member(personas.a1, "later", "后来者")
    for i in range(40):
        make_org(personas.branch_group_a, f"支部{i}", f"TA-N{i}")
    personas.member.refresh_from_db()
    assert personas.member.organization.code == "TA1"
    assert personas.branch_group_a.subtree().count() == 43
