from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from school.credits.models import CreditEntry, MemberCredit, OrganizationScore
from school.credits.periods import current_month
from school.models import Organization


@pytest.mark.django_db
def test_it_gives_the_demo_a_study_history_that_recompute_reproduces(client_for: Any) -> None:
    call_command("seed_demo")
    assert CreditEntry.objects.count() > 3000
    month = current_month()
    root = Organization.objects.get(depth=1, code="D01")
    score = OrganizationScore.objects.get(organization=root, period=month)
    assert 0 < score.participants < score.members == 600
    before = sorted(MemberCredit.objects.values_list("member_id", "period", "points", "entries"))
    scores = sorted(OrganizationScore.objects.values_list("organization_id", "period", "points", "score"))
    call_command("recompute_scores")
    assert sorted(MemberCredit.objects.values_list("member_id", "period", "points", "entries")) == before
    assert sorted(OrganizationScore.objects.values_list("organization_id", "period", "points", "score")) == scores
    quwei = get_user_model().objects.get(username="quwei")
    page = client_for(quwei).get(reverse("credits_admin:organization", args=[root.pk]) + f"?period={month}")
    assert page.status_code == 200
    assert len(page.context["table"].rows) == 6  # the committee's six units, ranked
