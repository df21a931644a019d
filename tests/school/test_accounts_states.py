"""Account states 未激活 / 已激活 / 已停用: shown and filtered in the member list, counted per organization,
and a disabled (or transferred-out) member can neither log in nor keep an old session."""

import pytest
from django.core.cache import cache

from school import services
from school.accounts import services as accounts
from school.models import AccountState, AuditEvent
from tests.factories import PASSWORD
from tests.school.builders import imported_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_it_ends_the_session_of_a_member_an_administrator_disables(personas, client_for, client):
    old = client_for(personas.member.user)
    assert old.get("/me/").status_code == 200
    response = client_for(personas.admin_a).post(f"/admin/school/members/{personas.member.pk}/account/",
                                                 {"action": "disable"})
    assert response.status_code == 302
    personas.member.refresh_from_db()
    assert personas.member.account_state == AccountState.DISABLED
    assert old.get("/me/").status_code == 302  # the old session is gone
    answer = client.post("/accounts/login/", {"username": "xiaoming", "password": PASSWORD})
    assert answer.status_code == 200 and "登录名、手机号、身份证号或密码不正确" in answer.content.decode()
    assert AuditEvent.objects.filter(action="account_disabled").exists()
    client_for(personas.admin_a).post(f"/admin/school/members/{personas.member.pk}/account/", {"action": "enable"})
    assert client.post("/accounts/login/", {"username": "xiaoming", "password": PASSWORD}).status_code == 302


def test_it_disables_a_member_marked_transferred_out(personas, client_for):
    old = client_for(personas.member.user)
    services.update_member(personas.member, status="transferred")
    personas.member.refresh_from_db()
    assert personas.member.account_state == AccountState.DISABLED
    assert old.get("/me/").status_code == 302


def test_it_shows_and_filters_account_states_in_the_member_list(personas, client_for):
    imported_member(personas.a1, "newbie", "新同志")
    admin = client_for(personas.admin_a)
    page = admin.get("/admin/school/members/?account=pending").content.decode()
    assert "新同志" in page and "小明" not in page and "未激活" in page
    page = admin.get("/admin/school/members/?account=active").content.decode()
    assert "小明" in page and "新同志" not in page and "已激活" in page


def test_it_counts_the_activation_rate_per_organization(personas, client_for):
    imported_member(personas.a1, "n1", "新一")
    imported_member(personas.a1, "n2", "新二")
    rows = {r.organization.name: r for r in [accounts.activation_counts(o) for o in
                                             (personas.a1, personas.a2, personas.branch_group_a)]}
    assert (rows["第一党支部"].pending, rows["第一党支部"].active, rows["第一党支部"].rate) == (2, 1, "33.3%")
    assert rows["机关党总支"].rate == "50.0%"
    page = client_for(personas.admin_a).get(f"/admin/school/accounts/?organization={personas.branch_group_a.pk}")
    text = page.content.decode()
    assert page.status_code == 200 and "激活率" in text and "33.3%" in text and "中共另一区委" not in text
    assert client_for(personas.admin_x).get(
        f"/admin/school/accounts/?organization={personas.branch_group_a.pk}").status_code == 404
