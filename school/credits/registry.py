"""What the apps above ``school`` register so the ledger can trust their events.

``register_source_verifier(source_type, fn)``: ``fn(member_id, source_id) -> bool`` answers, from the
owning app's own tables, whether the member really completed/passed that source. The posting service
asks it before every award; a source type with no verifier awards nothing (forged or unknown events
are refused). Optionally ``quantity(member_id, source_id) -> Decimal | None`` gives the authoritative
quantity (credit hours, score, practice points, minutes) so the event cannot carry a forged number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

Verifier = Callable[[int, int], bool]
Quantity = Callable[[int, int], "Decimal | None"]


@dataclass(frozen=True)
class Source:
    verify: Verifier
    quantity: Quantity | None = None


_SOURCES: dict[str, Source] = {}


def register_source_verifier(source_type: str, fn: Verifier, quantity: Quantity | None = None) -> None:
    _SOURCES[source_type] = Source(fn, quantity)


def source_for(source_type: str) -> Source | None:
    return _SOURCES.get(source_type)


@contextmanager
def override_verifiers(**sources: Source | None) -> Iterator[None]:
    """Swap verifiers for a block (tests, the demo's synthetic sources), restoring the old ones."""
    saved = dict(_SOURCES)
    try:
        for key, source in sources.items():
            if source is None:
                _SOURCES.pop(key, None)
            else:
                _SOURCES[key] = source
        yield
    finally:
        _SOURCES.clear()
        _SOURCES.update(saved)
