"""SMS backends, chosen by ``SMS_BACKEND`` like Django's e-mail backends.

``ConsoleSmsBackend`` logs the message and appends it to a file for the development page
(``/accounts/dev/sms/``, DEBUG only); ``LocmemSmsBackend`` collects messages in ``outbox`` for tests;
``TencentSmsBackend`` sends through Tencent Cloud's official SDK (``tencentcloud-sdk-python-sms``).
Two kinds of message: verification codes (``SmsMessage``) and notifications (``NotificationSms``, Tencent
template ``TENCENT_SMS_NOTICE_TEMPLATE_ID``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider did not take the message (down, refused, misconfigured)."""


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    code: str
    minutes: int

    @property
    def text(self) -> str:
        return f"【数字党校】您的验证码是{self.code}，{self.minutes}分钟内有效。如非本人操作，请忽略本短信。"


@dataclass(frozen=True)
class NotificationSms:
    """A notification of the notification centre sent as an SMS (school/services/notifications.py)."""

    phone: str
    title: str

    @property
    def text(self) -> str:
        return f"【数字党校】{self.title}。请登录数字党校查看。"


AnySms = SmsMessage | NotificationSms


class BaseSmsBackend:
    def send(self, message: AnySms) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Logs the message and appends it to SMS_CONSOLE_FILE (read by the development page: the worker
    that sends and the web server that shows are different processes)."""

    def send(self, message: AnySms) -> None:
        log.warning("SMS to %s: %s", message.phone, message.text)
        path = Path(settings.SMS_CONSOLE_FILE)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({"phone": message.phone, "text": message.text}, ensure_ascii=False) + "\n")
        except OSError:
            log.exception("console SMS backend: cannot write %s", path)


outbox: list[AnySms] = []


class LocmemSmsBackend(BaseSmsBackend):
    def send(self, message: AnySms) -> None:
        outbox.append(message)


class TencentSmsBackend(BaseSmsBackend):
    """Tencent Cloud SMS API 2021-01-11 ``SendSms``; template parameters: the code and its minutes."""

    def _client(self) -> Any:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile(reqTimeout=settings.TENCENT_SMS_TIMEOUT)
        endpoint = settings.TENCENT_SMS_ENDPOINT
        if endpoint:
            scheme, _, host = endpoint.partition("://")
            if not host:
                scheme, host = "https", endpoint
            http = HttpProfile(protocol=scheme, endpoint=host.rstrip("/"), reqTimeout=settings.TENCENT_SMS_TIMEOUT)
        cred = credential.Credential(settings.TENCENT_SMS_SECRET_ID, settings.TENCENT_SMS_SECRET_KEY)
        return sms_client.SmsClient(cred, settings.TENCENT_SMS_REGION, ClientProfile(httpProfile=http))

    def send(self, message: AnySms) -> None:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = ["+86" + message.phone]
        request.SmsSdkAppId = settings.TENCENT_SMS_SDK_APP_ID
        request.SignName = settings.TENCENT_SMS_SIGN_NAME
        if isinstance(message, NotificationSms):
            if not settings.TENCENT_SMS_NOTICE_TEMPLATE_ID:
                raise SmsError("Tencent SMS: TENCENT_SMS_NOTICE_TEMPLATE_ID is not set")
            request.TemplateId = settings.TENCENT_SMS_NOTICE_TEMPLATE_ID
            request.TemplateParamSet = [message.title[:20]]
        else:
            request.TemplateId = settings.TENCENT_SMS_TEMPLATE_ID
            request.TemplateParamSet = [message.code, str(message.minutes)]
        try:
            response = self._client().SendSms(request)
        except TencentCloudSDKException as exc:
            raise SmsError(f"Tencent SMS: {exc.code}: {exc.message}") from exc
        except Exception as exc:  # connection refused, timeout, a body that is not the API's JSON
            raise SmsError(f"Tencent SMS: {exc}") from exc
        statuses = list(response.SendStatusSet or [])
        if not statuses or statuses[0].Code != "Ok":
            detail = f"{statuses[0].Code}: {statuses[0].Message}" if statuses else "no status"
            raise SmsError(f"Tencent SMS refused the message: {detail}")


def get_backend() -> BaseSmsBackend:
    backend: BaseSmsBackend = import_string(settings.SMS_BACKEND)()
    return backend


def console_messages(limit: int = 20) -> list[tuple[str, str]]:
    """The last messages the console backend wrote, oldest first."""
    try:
        lines = Path(settings.SMS_CONSOLE_FILE).read_text(encoding="utf-8").splitlines()[-limit:]
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            continue
        out.append((str(item.get("phone", "")), str(item.get("text", ""))))
    return out
