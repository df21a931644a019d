"""长辈模式: a switch on every member page, remembered per user (not per browser)."""

from __future__ import annotations

import pytest

from school.models import DisplayPreference

pytestmark = pytest.mark.django_db


def test_it_remembers_elder_mode_per_user(personas, client_for) -> None:
    client = client_for(personas.member.user)
    page = client.get("/exams/").content.decode()
    assert '<body class="' in page and '<body class="elder' not in page and "长辈模式：关" in page
    response = client.post("/me/elder-mode/", {"on": "1", "next": "/exams/"})
    assert response.status_code == 302 and response["Location"] == "/exams/"
    assert DisplayPreference.objects.get(user=personas.member.user).elder_mode
    other_browser = client_for(personas.member.user)
    page = other_browser.get("/").content.decode()
    assert '<body class="elder ' in page and "长辈模式：开" in page and 'aria-pressed="true"' in page
    assert '<body class="elder' not in client_for(personas.member_a2.user).get("/").content.decode()
    client.post("/me/elder-mode/", {"on": "0", "next": "/"})
    assert not DisplayPreference.objects.get(user=personas.member.user).elder_mode


def test_it_refuses_a_bad_switch_value_or_a_foreign_next(personas, client_for) -> None:
    client = client_for(personas.member.user)
    response = client.post("/me/elder-mode/", {"on": "yes"})
    assert response.status_code == 400 and "请选择开启或关闭" in response.content.decode()
    assert not DisplayPreference.objects.exists()
    response = client.post("/me/elder-mode/", {"on": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.get("/me/elder-mode/").status_code == 405
