"""Boot Django for a benchmark: a throwaway SQLite database under a temporary VAR_DIR, unless
DATABASE_URL points elsewhere (then the bench uses that database — give it a scratch one)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def setup() -> Path:
    sys.path.insert(0, str(ROOT))
    var = Path(os.environ.get("BENCH_VAR_DIR") or tempfile.mkdtemp(prefix="bench-"))
    os.environ.setdefault("VAR_DIR", str(var))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings.dev")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return var


def login_cookie(user: Any) -> tuple[str, str]:
    """A logged-in session for ``user`` made directly in the session store (no login request): the
    Cookie header to send and the CSRF token that goes with it."""
    import secrets

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    csrf = secrets.token_hex(16)
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}", csrf


def best_of(n: int, fn: Callable[[], object]) -> float:
    """Best wall time of n runs, in seconds: the least disturbed by other load on the machine."""
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def metric(name: str, value: float) -> None:
    print(f"metric {name} {value if isinstance(value, int) else format(value, '.4g')}", flush=True)


_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's default path alphabet, 4 characters a step


def path_segment(i: int) -> str:
    out = ""
    for _ in range(4):
        i, r = divmod(i, len(_ALPHABET))
        out = _ALPHABET[r] + out
    return out


def bulk_tree(prefix: str, root_index: int, fanout: list[int], kinds: list[str]) -> int:
    """Bulk-insert one organization tree with treebeard paths (fan-out per level, kind per depth);
    returns how many organizations it made. Far faster than add_child for benchmark-sized trees."""
    from django.db import transaction

    from school.models import Organization

    rows: list[Organization] = []

    def add(path: str, depth: int) -> None:
        children = fanout[depth - 1] if depth - 1 < len(fanout) else 0
        rows.append(Organization(path=path, depth=depth, numchild=children, name=f"{prefix}{len(rows)}",
                                 code=f"{prefix}{len(rows)}", kind=kinds[min(depth - 1, len(kinds) - 1)]))
        for c in range(children):
            add(path + path_segment(c + 1), depth + 1)

    add(path_segment(root_index), 1)
    with transaction.atomic():
        Organization.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
