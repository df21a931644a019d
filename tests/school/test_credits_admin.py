from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from school.credits.models import CreditRule, CreditRuleVersion
from tests.factories import Personas

from .builders import make_rule


@pytest.mark.django_db
def test_it_lets_only_superusers_edit_credit_rules(personas: Personas, client_for: Any) -> None:
    url = reverse("credit_rules:index")
    assert client_for(personas.admin_a).get(url).status_code in (302, 403)
    assert client_for(personas.superuser).get(url).status_code == 200
    response = client_for(personas.admin_a).post(reverse("credit_rules:add"), {
        "code": "x", "name": "x", "source_type": "lesson", "basis": "fixed", "repeat": "once", "active": "on"})
    assert response.status_code in (302, 403)
    assert not CreditRule.objects.filter(code="x").exists()


@pytest.mark.django_db
def test_it_records_who_added_a_version_and_refuses_overlaps(personas: Personas, client_for: Any) -> None:
    rule = make_rule("video", "lesson", points="1")
    first = rule.versions.get()
    client = client_for(personas.superuser)
    start = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(reverse("credit_rule_versions:add"), {
        "rule": rule.pk, "points": "2", "factor": "0", "bands": "[]", "daily_cap": "6",
        "effective_from": start.isoformat(), "effective_to": "", "note": "提高视频积分"})
    assert response.status_code == 302, response.content.decode()[:2000]
    new = CreditRuleVersion.objects.get(rule=rule, effective_from=start)
    assert new.created_by == personas.superuser
    first.refresh_from_db()
    assert first.effective_to == start - dt.timedelta(days=1)
    rule.refresh_from_db()
    assert rule.changed_by == personas.superuser
    overlapping = client.post(reverse("credit_rule_versions:add"), {
        "rule": rule.pk, "points": "3", "factor": "0", "bands": "[]", "daily_cap": "",
        "effective_from": (start - dt.timedelta(days=3)).isoformat(), "effective_to": start.isoformat(), "note": ""})
    assert overlapping.status_code == 200
    assert "重叠" in overlapping.content.decode()
    past = client.post(reverse("credit_rule_versions:add"), {
        "rule": rule.pk, "points": "3", "factor": "0", "bands": "[]", "daily_cap": "",
        "effective_from": "2020-01-01", "effective_to": "2020-12-31", "note": ""})
    assert past.status_code == 200
    assert "不能从过去的日期生效" in past.content.decode()
    assert rule.versions.count() == 2
