import pytest

from school.models import AdminScope
from school.permissions import is_trainer

pytestmark = pytest.mark.django_db


def test_it_lets_a_superuser_grant_and_revoke_scopes_and_the_trainer_role(personas, client_for):
    client = client_for(personas.superuser)
    user = personas.member_a2.user
    response = client.post("/admin/school/roles/", {"username": user.username, "organization": personas.a2.pk})
    assert response.status_code == 302
    scope = AdminScope.objects.get(user=user)
    assert client.get("/admin/").status_code == 200
    assert client_for(user).get("/admin/school/members/").status_code == 200
    client.post(f"/admin/school/roles/{scope.pk}/revoke/")
    assert not AdminScope.objects.filter(user=user).exists()
    client.post("/admin/school/roles/trainer/", {"username": user.username})
    assert is_trainer(user)


def test_it_keeps_role_changes_to_superusers(personas, client_for):
    client = client_for(personas.admin_a)
    response = client.post("/admin/school/roles/", {"username": "admin_a", "organization": personas.district.pk})
    assert response.status_code in (302, 403)
    assert not AdminScope.objects.filter(user=personas.admin_a, organization=personas.district).exists()
    assert client.post("/admin/school/roles/trainer/", {"username": "admin_a"}).status_code in (302, 403)
    assert not is_trainer(personas.admin_a)
