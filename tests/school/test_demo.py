import pytest
from django.core.management import call_command

from school.models import AdminScope, Member, Organization
from school.permissions import is_trainer

pytestmark = pytest.mark.django_db


def test_it_builds_a_believable_demo_once_and_prints_logins(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "dangyuan" in out and "quwei" in out and "demo12345" in out
    assert Organization.objects.filter(kind="branch").count() == 30
    assert Member.objects.count() == 600
    assert len(set(Member.objects.values_list("name", flat=True))) > 550
    assert AdminScope.objects.filter(user__username="quwei", organization__depth=1).exists()
    from django.contrib.auth import get_user_model

    assert is_trainer(get_user_model().objects.get(username="jiangshi"))
    call_command("seed_demo")
    assert "already present" in capsys.readouterr().out
    assert Member.objects.count() == 600
