"""Random codes and their keyed hashes (HMAC-SHA256 with a key derived from FIELD_ENCRYPTION_KEY)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from django.conf import settings

# No 0/O, 1/I/L: a code is read off paper and typed on a phone.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return hashlib.sha256(("account-codes:" + secret).encode()).digest()


def code_hash(code: str) -> str:
    return hmac.new(_key(settings.FIELD_ENCRYPTION_KEY), code.encode(), hashlib.sha256).hexdigest()


def new_activation_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(settings.ACCOUNTS_ACTIVATION_CODE_LENGTH))


def normalize_activation_code(raw: str) -> str:
    return raw.strip().upper().replace(" ", "").replace("-", "")


def looks_like_activation_code(raw: str) -> bool:
    code = normalize_activation_code(raw)
    return len(code) == settings.ACCOUNTS_ACTIVATION_CODE_LENGTH and all(c in ALPHABET for c in code)


def new_sms_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"
