"""Boot Django for a benchmark: a throwaway SQLite database under a temporary VAR_DIR, unless
DATABASE_URL points elsewhere (then the bench uses that database — give it a scratch one)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

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


def best_of(n: int, fn: Callable[[], object]) -> float:
    """Best wall time of n runs, in seconds: the least disturbed by other load on the machine."""
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def metric(name: str, value: float) -> None:
    print(f"metric {name} {value:.4g}", flush=True)
