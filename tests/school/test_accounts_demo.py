"""seed_demo leaves some members 未激活 so that activation can be tried, and says how."""

import pytest
from django.core.cache import cache
from django.core.management import call_command

from school.models import AccountState, Member, SmsCode

pytestmark = pytest.mark.django_db


def test_it_leaves_three_members_per_branch_not_activated_and_prints_one_to_try(capsys, client):
    call_command("seed_demo")
    out = capsys.readouterr().out
    pending = Member.objects.filter(account_state=AccountState.PENDING)
    assert pending.count() == 90
    assert not any(m.user.has_usable_password() for m in pending.select_related("user"))
    assert Member.objects.get(user__username="dangyuan").account_state == AccountState.ACTIVE
    example = pending.select_related("user").order_by("user__username").first()
    assert example is not None and "未激活党员" in out and example.name in out and example.phone in out
    cache.clear()
    response = client.post("/accounts/activate/", {"name": example.name, "id_number": example.id_number.reveal(),
                                                   "phone": example.phone[-4:]})
    assert response.status_code == 302
    assert SmsCode.objects.filter(member=example, purpose="activate").exists()  # the details printed match
