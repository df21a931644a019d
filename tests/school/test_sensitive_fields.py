import logging

import pytest

from school import sensitive
from school.models import Member
from tests.factories import id_number

pytestmark = pytest.mark.django_db


def test_it_validates_id_numbers_with_their_check_digit():
    good = id_number(7)
    assert sensitive.id_number_error(good) is None
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    assert "校验" in sensitive.id_number_error(wrong_check)
    assert sensitive.id_number_error("11010519901317001X") is not None  # month 13
    assert sensitive.id_number_error("123") is not None


def test_it_stores_id_numbers_encrypted_and_prints_them_masked(personas, caplog):
    member = Member.objects.get(pk=personas.member.pk)
    raw = member.id_number.reveal()
    assert raw not in member.id_number_encrypted
    assert str(member.id_number) == raw[:4] + "**********" + raw[-4:]
    assert f"{member.id_number}" == member.id_number_masked
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("member %s id %s", member, member.id_number)
    assert raw not in caplog.text
    assert member.phone_masked == "138****8000"


def test_it_finds_duplicates_through_a_keyed_digest(personas):
    raw = Member.objects.get(pk=personas.member.pk).id_number.reveal()
    assert Member.objects.filter(id_number_digest=sensitive.digest(raw)).count() == 1
    assert sensitive.digest(raw) != sensitive.digest(raw.lower() + "0")


def test_it_hides_id_numbers_from_error_reports(personas, rf):
    from django.views.debug import SafeExceptionReporterFilter

    from school.admin_views import members

    request = rf.post("/admin/school/members/add/", {"id_number": "11010519491231002X", "name": "x"})
    request.user = personas.admin_a
    request.session = {}
    request._messages = None
    members.create(request)  # the decorator marks the parameters on the request
    cleaned = SafeExceptionReporterFilter().get_post_parameters(request)
    assert cleaned["id_number"] != "11010519491231002X" and cleaned["name"] == "x"
