"""SMS backends (console, locmem, Tencent Cloud's SDK against a recording server on 127.0.0.1) and the
limits on verification codes."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.db.models import F

from school.accounts import services as accounts
from school.accounts import sms
from school.models import SmsCode
from school.tasks import send_verification_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()
    sms.outbox.clear()
    yield
    cache.clear()
    sms.outbox.clear()


class _Recorder(BaseHTTPRequestHandler):
    received: list[dict] = []
    answer: dict = {}
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"headers": dict(self.headers), "body": json.loads(body)})
        payload = json.dumps(type(self).answer).encode()
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def tencent(settings):
    _Recorder.received = []
    _Recorder.status = 200
    _Recorder.answer = {"Response": {"SendStatusSet": [{"Code": "Ok", "Message": "send success",
                                                        "PhoneNumber": "+8613800138000", "SerialNo": "1"}],
                                     "RequestId": "r-1"}}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "school.accounts.sms.TencentSmsBackend"
    settings.TENCENT_SMS_ENDPOINT = f"http://127.0.0.1:{server.server_address[1]}"
    settings.TENCENT_SMS_SECRET_ID = "AKIDtest"
    settings.TENCENT_SMS_SECRET_KEY = "secret"
    settings.TENCENT_SMS_SDK_APP_ID = "1400000000"
    settings.TENCENT_SMS_SIGN_NAME = "数字党校"
    settings.TENCENT_SMS_TEMPLATE_ID = "123456"
    settings.TENCENT_SMS_TIMEOUT = 2
    yield _Recorder
    server.shutdown()
    server.server_close()


def _request(member, address="10.0.0.1"):
    return accounts.do_request_code(SmsCode.Purpose.RESET, member, address=address)


def test_it_sends_a_six_digit_code_stored_only_hashed(personas):
    sent = _request(personas.member)
    row = SmsCode.objects.get(pk=sent.sms_id)
    accounts.deliver_code(row.pk, last_try=False)
    (message,) = sms.outbox
    assert message.phone == "13800138000" and len(message.code) == 6 and message.code.isdigit()
    assert message.code in message.text and "5分钟" in message.text
    row.refresh_from_db()
    assert row.state == "sent" and row.code_encrypted == "" and message.code not in row.code_hash


def test_it_sends_through_the_tencent_sdk_to_the_configured_endpoint(personas, tencent):
    sent = _request(personas.member)
    send_verification_code.apply(args=(sent.sms_id,))
    (request,) = tencent.received
    assert request["headers"]["X-TC-Action"] == "SendSms"
    assert request["headers"]["Authorization"].startswith("TC3-HMAC-SHA256 Credential=AKIDtest/")
    body = request["body"]
    assert body["PhoneNumberSet"] == ["+8613800138000"]
    assert body["SmsSdkAppId"] == "1400000000" and body["SignName"] == "数字党校" and body["TemplateId"] == "123456"
    assert len(body["TemplateParamSet"][0]) == 6 and body["TemplateParamSet"][1] == "5"
    assert SmsCode.objects.get(pk=sent.sms_id).state == "sent"


def test_it_marks_the_code_failed_when_the_provider_stays_down(personas, tencent, client):
    tencent.answer = {"Response": {"Error": {"Code": "InternalError", "Message": "down"}, "RequestId": "r"}}
    sent = _request(personas.member)
    with pytest.raises(sms.SmsError):
        accounts.deliver_code(sent.sms_id, last_try=False)
    assert SmsCode.objects.get(pk=sent.sms_id).state == "queued"  # a retry will come
    with pytest.raises(sms.SmsError):
        accounts.deliver_code(sent.sms_id, last_try=True)
    row = SmsCode.objects.get(pk=sent.sms_id)
    assert row.state == "failed" and row.code_encrypted == ""
    # the member's page says so, clearly and without a 500
    session = client.session
    session["accounts_flow"] = {"purpose": "reset", "sms": sent.sms_id}
    session.save()
    page = client.get("/accounts/verify/")
    assert page.status_code == 200
    assert "短信服务暂时不可用" in page.content.decode()


def test_it_retries_through_celery_then_gives_up_when_the_provider_is_unreachable(personas, tencent, settings,
                                                                                   monkeypatch):
    settings.TENCENT_SMS_ENDPOINT = "http://127.0.0.1:9"  # nothing listens
    tries = []
    real = accounts.deliver_code

    def counted(sms_id, last_try):
        tries.append(last_try)
        real(sms_id, last_try=last_try)

    monkeypatch.setattr(accounts, "deliver_code", counted)
    sent = _request(personas.member)
    send_verification_code.apply(args=(sent.sms_id,))  # eager: the retries run inline
    assert tries == [False, False, False, True]
    assert SmsCode.objects.get(pk=sent.sms_id).state == "failed"


def test_it_sends_one_code_per_number_per_minute_and_caps_a_day(personas, settings):
    settings.SMS_DAILY_PER_NUMBER = 3
    assert _request(personas.member).sms_id is not None
    assert _request(personas.member).sms_id is None  # within the minute: silently nothing
    for _ in range(2):
        SmsCode.objects.update(created_at=F("created_at") - dt.timedelta(minutes=2))
        assert _request(personas.member).sms_id is not None
    SmsCode.objects.update(created_at=F("created_at") - dt.timedelta(minutes=2))
    assert _request(personas.member).sms_id is None  # the day's cap: 3 per number
    assert SmsCode.objects.count() == 3
    SmsCode.objects.update(created_at=F("created_at") - dt.timedelta(days=1))
    assert _request(personas.member).sms_id is not None  # a new day


def test_it_caps_requests_per_address_whoever_they_name(personas, settings):
    settings.SMS_DAILY_PER_ADDRESS = 2
    _request(None, "10.9.9.9")
    _request(personas.member, "10.9.9.9")
    with pytest.raises(accounts.TooManyRequests):
        _request(personas.member_a2, "10.9.9.9")
    assert _request(personas.member_a2, "10.9.9.8").sms_id is None  # 小红 has no mobile number on record


def test_it_keeps_console_messages_for_the_development_page(personas, settings, client, tmp_path):
    settings.SMS_BACKEND = "school.accounts.sms.ConsoleSmsBackend"
    settings.SMS_CONSOLE_FILE = tmp_path / "sms.jsonl"
    sent = _request(personas.member)
    accounts.deliver_code(sent.sms_id, last_try=False)
    assert client.get("/accounts/dev/sms/").status_code == 404  # not without DEBUG
    settings.DEBUG = True
    page = client.get("/accounts/dev/sms/").content.decode()
    assert "13800138000" in page and "验证码" in page
