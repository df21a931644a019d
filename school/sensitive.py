"""National ID numbers and phone numbers: validated, encrypted at rest, and masked wherever shown.

The full ID number lives only encrypted (Fernet, key from ``FIELD_ENCRYPTION_KEY``); duplicates are
found through a keyed digest. ``MaskedValue`` prints masked in ``str``/``repr``/f-strings, so a value
that reaches a log line or a template by accident still never shows in full.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import date
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


class MaskedValue(str):
    """A string whose every printed form is masked; ``.reveal()`` is the only way to the full value."""

    masked: str

    def __new__(cls, value: str, masked: str) -> MaskedValue:
        obj = super().__new__(cls, value)
        obj.masked = masked
        return obj

    def reveal(self) -> str:
        return str.__str__(self)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return repr(self.masked)

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)


def normalize_id_number(raw: str) -> str:
    return raw.strip().upper().replace(" ", "")


def id_number_error(value: str) -> str | None:
    """Return why ``value`` is not a valid 18-digit resident ID number, or None."""
    from django.utils.translation import gettext as _

    if not _ID_RE.match(value):
        return _("An ID number has 17 digits followed by a digit or X.")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return _("The birth date inside the ID number is not a real date.")
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17]:
        return _("The check digit of the ID number is wrong.")
    return None


def id_number_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def phone_error(value: str) -> str | None:
    from django.utils.translation import gettext as _

    if value and not _PHONE_RE.match(value):
        return _("A mobile number has 11 digits and starts with 13–19.")
    return None


def mask_id_number(value: str) -> str:
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "****" + value[-4:]


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[Fernet, bytes]:
    material = hashlib.sha256(("fernet:" + secret).encode()).digest()
    digest_key = hashlib.sha256(("digest:" + secret).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(material)), digest_key


def encrypt(value: str) -> str:
    fernet, _ = _keys(settings.FIELD_ENCRYPTION_KEY)
    return fernet.encrypt(value.encode()).decode()


def decrypt(token: str) -> str | None:
    fernet, _ = _keys(settings.FIELD_ENCRYPTION_KEY)
    try:
        return fernet.decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def digest(value: str) -> str:
    _, key = _keys(settings.FIELD_ENCRYPTION_KEY)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
