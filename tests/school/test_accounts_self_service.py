"""激活账号 and 忘记密码 on the member site: an SMS code to the number on record, then a new password."""

import pytest
from django.core.cache import cache

from school.accounts import services as accounts
from school.accounts import sms
from school.models import AccountState, AuditEvent, SmsCode
from tests.factories import id_number
from tests.school.builders import imported_member

pytestmark = pytest.mark.django_db
SENT = "如果信息与登记一致"
WRONG_CODE = "验证码错误或已失效"
NEW = "Hong-Qi-2024"


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()
    sms.outbox.clear()
    yield
    cache.clear()
    sms.outbox.clear()


@pytest.fixture
def newbie(personas):
    return imported_member(personas.a1, "13711112222", "新同志", phone="13711112222", id_number=id_number(901))


def _deliver(django_capture_on_commit_callbacks, client, url, data):
    """Post step 1 and run what it queued as the worker would; returns (response, the sent code or None)."""
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(url, data)
    row = SmsCode.objects.order_by("-pk").first()
    if queued and row is not None:
        accounts.deliver_code(row.pk, last_try=True)
    return response, (sms.outbox[-1].code if sms.outbox else None)


def _verify(client, code, password=NEW):
    return client.post("/accounts/verify/", {"code": code, "new_password1": password, "new_password2": password})


def test_it_activates_an_account_by_id_number_and_the_last_four_digits(newbie, client,
                                                                      django_capture_on_commit_callbacks):
    response, code = _deliver(django_capture_on_commit_callbacks, client, "/accounts/activate/",
                              {"name": "新同志", "id_number": id_number(901), "phone": "2222"})
    assert response.status_code == 302 and response.url == "/accounts/verify/"
    assert SENT in client.get("/accounts/verify/").content.decode()
    assert code is not None
    done = _verify(client, code)
    assert done.status_code == 302 and done.url == "/"
    newbie.refresh_from_db()
    newbie.user.refresh_from_db()
    assert newbie.account_state == AccountState.ACTIVE and newbie.user.check_password(NEW)
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="account_activated", actor=newbie.user).exists()


def test_it_answers_the_same_for_wrong_details_and_sends_nothing(personas, newbie, client,
                                                                 django_capture_on_commit_callbacks):
    for data in ({"name": "别人", "id_number": id_number(901), "phone": "2222"},
                 {"name": "新同志", "id_number": id_number(901), "phone": "9999"},
                 {"name": "新同志", "id_number": id_number(902), "phone": "13711112222"},
                 # 小明 is activated already: no code either
                 {"name": "小明", "id_number": personas.member.id_number.reveal(), "phone": "13800138000"}):
        response, code = _deliver(django_capture_on_commit_callbacks, client, "/accounts/activate/", data)
        assert response.status_code == 302 and response.url == "/accounts/verify/"
        assert code is None
        page = client.get("/accounts/verify/").content.decode()
        assert SENT in page
        refused = _verify(client, "123456")
        assert refused.status_code == 400 and WRONG_CODE in refused.content.decode()
    assert not SmsCode.objects.exists()
    newbie.refresh_from_db()
    assert newbie.account_state == AccountState.PENDING


def test_it_refuses_a_bad_id_number_in_chinese(client):
    response = client.post("/accounts/activate/", {"name": "某", "id_number": "110105199001011234", "phone": "1234"})
    assert response.status_code == 400
    assert "校验位" in response.content.decode()


def test_it_resets_a_forgotten_password_and_ends_other_sessions(personas, client, client_for,
                                                                django_capture_on_commit_callbacks):
    other = client_for(personas.member.user)
    assert other.get("/me/").status_code == 200
    response, code = _deliver(django_capture_on_commit_callbacks, client, "/accounts/password/forgot/",
                              {"identifier": "13800138000"})
    assert response.status_code == 302 and code is not None
    assert _verify(client, code).status_code == 302
    assert client.get("/me/").status_code == 200  # logged in here
    assert other.get("/me/").status_code == 302  # the other session ended
    personas.member.user.refresh_from_db()
    assert personas.member.user.check_password(NEW)
    assert AuditEvent.objects.filter(action="password_reset", actor=personas.member.user).exists()


def test_it_kills_a_code_after_five_wrong_tries(personas, client, django_capture_on_commit_callbacks):
    _, code = _deliver(django_capture_on_commit_callbacks, client, "/accounts/password/forgot/",
                       {"identifier": "xiaoming"})
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert _verify(client, wrong).status_code == 400
    response = _verify(client, code)
    assert response.status_code == 400 and WRONG_CODE in response.content.decode()
    personas.member.user.refresh_from_db()
    assert personas.member.user.check_password("pw-for-tests-1")


def test_it_refuses_a_used_or_expired_code(personas, client, django_capture_on_commit_callbacks):
    _, code = _deliver(django_capture_on_commit_callbacks, client, "/accounts/password/forgot/",
                       {"identifier": "xiaoming"})
    SmsCode.objects.update(expires_at=SmsCode.objects.get().created_at)
    assert _verify(client, code).status_code == 400
    personas.member.user.refresh_from_db()
    assert personas.member.user.check_password("pw-for-tests-1")


def test_it_locks_out_floods_of_forgot_password_requests(personas, client, settings):
    settings.ACCOUNTS_FLOW_FAILURES_PER_IDENTIFIER = 3
    for _ in range(3):
        assert client.post("/accounts/password/forgot/", {"identifier": "nobody-here"}).status_code == 302
    locked = client.post("/accounts/password/forgot/", {"identifier": "nobody-here"})
    assert locked.status_code == 429 and "尝试次数过多" in locked.content.decode()


def test_it_locks_out_guessing_verification_codes_from_one_address(personas, client, settings):
    settings.ACCOUNTS_FLOW_FAILURES_PER_ADDRESS = 6
    client.post("/accounts/password/forgot/", {"identifier": "xiaoming"})
    for _ in range(5):
        _verify(client, "000001")
    assert _verify(client, "000001").status_code == 429


def test_it_sends_nothing_for_a_disabled_account(personas, client, django_capture_on_commit_callbacks):
    accounts.do_set_account_disabled(personas.admin_a, personas.member, disabled=True)
    response, code = _deliver(django_capture_on_commit_callbacks, client, "/accounts/password/forgot/",
                              {"identifier": "xiaoming"})
    assert response.status_code == 302 and code is None


def test_it_sends_the_code_by_e_mail_when_there_is_no_mobile_number(personas, client, mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    user = personas.member_a2.user
    user.email = "xiaohong@example.org"
    user.save()
    with django_capture_on_commit_callbacks(execute=False):
        client.post("/accounts/password/forgot/", {"identifier": "xiaohong"})
    accounts.deliver_code(SmsCode.objects.get().pk, last_try=True)
    (mail,) = mailoutbox
    assert mail.to == ["xiaohong@example.org"] and "验证码" in mail.body
    code = mail.body.split("验证码是")[1][:6]
    assert _verify(client, code).status_code == 302
