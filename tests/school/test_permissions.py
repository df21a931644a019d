import pytest

from school import permissions as perms
from school import services

pytestmark = pytest.mark.django_db


def test_it_scopes_an_administrator_to_their_subtree(personas):
    p = personas
    visible = set(perms.organizations_visible_to(p.admin_a).values_list("code", flat=True))
    assert visible == {"TA", "TA1", "TA2"}
    assert set(perms.members_visible_to(p.admin_a).values_list("name", flat=True)) == {"小明", "小红"}
    assert perms.can_manage_member(p.admin_a, p.member)
    assert not perms.can_manage_member(p.admin_a, p.member_x)
    assert not perms.can_manage_organization(p.admin_a, p.district)
    assert perms.can_manage_organization(p.admin_x, p.x1)
    assert not perms.can_manage_organization(p.admin_x, p.a1)


def test_it_lets_members_see_themselves_only(personas):
    p = personas
    assert perms.can_view_member(p.member.user, p.member)
    assert not perms.can_view_member(p.member.user, p.member_a2)
    assert not perms.is_org_admin(p.member.user)
    assert perms.members_visible_to(p.member.user).count() == 0
    assert perms.can_view_organization(p.member.user, p.a1)
    assert not perms.can_view_organization(p.member.user, p.a2)


def test_it_folds_nested_scopes_and_forgets_revoked_ones(personas):
    p = personas
    services.grant_org_admin(p.admin_a, p.a1)  # nested inside the general branch they already administer
    assert perms.admin_paths(p.admin_a) == [p.branch_group_a.path]
    services.revoke_org_admin(p.admin_a, p.branch_group_a)
    assert set(perms.organizations_visible_to(p.admin_a).values_list("code", flat=True)) == {"TA1"}
    services.revoke_org_admin(p.admin_a, p.a1)
    assert not perms.is_org_admin(p.admin_a)
    assert not p.admin_a.groups.filter(name=perms.ORG_ADMIN_GROUP).exists()


def test_it_gives_superusers_everything_and_trainers_no_scope(personas):
    p = personas
    assert perms.organizations_visible_to(p.superuser).count() == 6
    assert perms.is_trainer(p.trainer)
    assert not perms.is_org_admin(p.trainer)
    assert not perms.is_trainer(p.admin_a)
    assert perms.can_see_full_identifiers(p.superuser)
    assert not perms.can_see_full_identifiers(p.admin_a)
