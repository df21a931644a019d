"""A member with a known ID and phone number: every page, API response and export (Excel files unzipped,
the certificates ZIP opened) is searched for the full values — only a superuser's ``?full=1`` member
export may contain them, and asking for it is audited."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
import zlib
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from courses.services.study_tasks import create_task
from exams.services import do_start_attempt, do_submit_attempt
from school.models import AuditEvent
from tests.courses.builders import make_course
from tests.exams.builders import fill_bank, make_bank, make_exam
from tests.factories import id_number, make_member

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def _texts(content: bytes) -> list[str]:
    """The readable text of a response body: itself, the members of a ZIP (an .xlsx is one),
    recursively, and the inflated streams of a PDF."""
    if content[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return [text for name in archive.namelist() for text in [name, *_texts(archive.read(name))]]
    texts = [html.unescape(content.decode("utf-8", "replace"))]  # XML may write &#29579; for 王
    if content[:5] == b"%PDF-":
        for stream in re.findall(rb"stream\r?\n(.*?)endstream", content, re.S):
            try:
                texts.append(zlib.decompress(stream).decode("latin-1"))
            except zlib.error:
                texts.append(stream.decode("latin-1"))
    return texts


@pytest.fixture
def world(personas: Any) -> dict[str, Any]:
    full_id = id_number(424, dt.date(1985, 3, 9))
    wang = make_member(personas.a1, "wangmin", "王敏", id_number=full_id, phone=PHONE)
    bank = make_bank(personas.trainer)
    fill_bank(bank, "judge", 1)
    exam = make_exam(personas.trainer, bank, targets=[personas.district], certificate_on_pass=True,
                     pass_mark=Decimal(0), sections=[{"qtype": "judge", "count": 1, "points": Decimal(100)}])
    attempt, _created = do_start_attempt(wang, exam)
    do_submit_attempt(attempt.pk)
    today = timezone.localdate()
    task = create_task(title="党史学习", organization=personas.branch_group_a, starts_on=today,
                       ends_on=today + dt.timedelta(days=5), pages=[make_course()])
    serial = wang.certificates.get().serial
    return {"member": wang, "id": full_id, "exam": exam, "task": task, "serial": serial}


def _urls(personas: Any, world: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(url, what proves 王敏 is listed in it, if they must be)."""
    wang, org, district = world["member"], personas.a1.pk, personas.branch_group_a.pk
    return [
        ("/admin/school/members/", "王敏"),
        ("/admin/school/members/?q=王敏", "王敏"),
        (f"/admin/school/members/{wang.pk}/", "王敏"),
        ("/admin/school/members/export/", "王敏"),
        (f"/admin/school/members/export/?organization={org}", "王敏"),
        ("/api/v1/members/?q=王敏", "王敏"),
        (f"/api/v1/members/{wang.pk}/", "王敏"),
        (f"/admin/stats/organizations/{district}/", None),
        (f"/admin/stats/organizations/{district}/?format=xlsx", None),
        (f"/admin/stats/organizations/{org}/members/", "王敏"),
        (f"/admin/stats/organizations/{org}/members/?format=xlsx", "王敏"),
        (f"/admin/stats/organizations/{org}/idle/", "王敏"),
        (f"/admin/stats/organizations/{org}/idle/?format=xlsx", "王敏"),
        (f"/admin/stats/organizations/{district}/ranking/?format=xlsx", None),
        (f"/admin/stats/members/{wang.pk}/", "王敏"),
        (f"/admin/stats/members/{wang.pk}/?format=xlsx", "王敏"),
        (f"/admin/exams-tools/statistics/{world['exam'].pk}/", None),
        (f"/admin/exams-tools/statistics/{world['exam'].pk}/?format=xlsx", None),
        (f"/admin/exams-tools/certificates/bulk/?organization={district}", world["serial"]),
        ("/admin/exams_certificate/", "王敏"),
        (f"/admin/courses/tasks/{world['task'].pk}/", None),
        (f"/admin/courses/tasks/{world['task'].pk}/export/", None),
        ("/admin/school/audit/", None),
    ]


def _assert_masked(body: bytes, url: str, marker: str | None, full_id: str) -> None:
    texts = _texts(body)
    joined = "\n".join(texts)
    assert full_id not in joined and PHONE not in joined, f"{url} shows a full ID or phone number"
    assert full_id[:6] + "1985" not in joined, f"{url} shows the birth date part of the ID"
    if marker:
        assert marker in joined, f"{url} does not list the member"


@pytest.mark.parametrize("who", ["superuser", "admin_a"])
def test_no_page_api_or_export_shows_a_full_id_or_phone_number(personas, world, client_for, who):
    client = client_for(getattr(personas, who))
    for url, marker in _urls(personas, world):
        if url.startswith("/admin/school/audit/") and who != "superuser":
            continue  # superusers only
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        _assert_masked(response.content, url, marker, world["id"])


def test_the_member_sees_only_masked_values_of_their_own(personas, world, client_for):
    client = client_for(world["member"].user)
    for url in ("/", "/me/", "/api/v1/me/", "/tasks/", "/exams/"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_masked(response.content, url, None, world["id"])
    assert "1101**********" in client.get("/me/").content.decode()


def test_only_a_superusers_full_export_has_full_values_and_it_is_audited(personas, world, client_for):
    refused = client_for(personas.admin_a).get("/admin/school/members/export/?full=1")
    _assert_masked(refused.content, "admin ?full=1", "王敏", world["id"])
    assert not AuditEvent.objects.filter(action="member_export_full").exists()
    full = client_for(personas.superuser).get("/admin/school/members/export/?full=1", REMOTE_ADDR="10.9.8.7")
    joined = "\n".join(_texts(full.content))
    assert world["id"] in joined and PHONE in joined
    event = AuditEvent.objects.get(action="member_export_full")
    assert (event.actor_name, event.address, event.data["full"]) == ("root", "10.9.8.7", True)
    assert world["id"] not in event.summary + str(event.data)


def test_the_member_edit_form_never_sends_the_full_phone_and_empty_keeps_it(personas, world, client_for):
    wang = world["member"]
    client = client_for(personas.admin_a)
    page = client.get(f"/admin/school/members/{wang.pk}/").content.decode()
    assert PHONE not in page and "139****5678" in page
    form = {"name": "王敏", "organization": personas.a1.pk, "political_status": "full", "status": "active",
            "id_number": "", "phone": "", "ethnicity": "汉族"}
    response = client.post(f"/admin/school/members/{wang.pk}/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    wang.refresh_from_db()
    assert wang.phone == PHONE and wang.id_number.reveal() == world["id"]
