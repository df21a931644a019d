"""The progress engine as pure functions: what a heartbeat may credit, on merged interval sets.

Rules (see README "Progress"): a heartbeat reports the span ``[start, position]`` played since the
previous one. It is credited only if its length fits in the wall-clock time since the previous
accepted heartbeat times the maximum playback rate; a longer span is a seek and credits nothing.
Credit is the growth of the union of intervals, so watching a part again adds nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Interval = tuple[float, float]
DURATION_SLACK = 1.0  # seconds a reported position may exceed the duration (player clocks round)


def merge(intervals: Sequence[Sequence[float]]) -> list[list[float]]:
    """Sorted, non-overlapping, with touching intervals joined."""
    result: list[list[float]] = []
    for start, end in sorted((float(a), float(b)) for a, b in intervals if b > a):
        if result and start <= result[-1][1] + 1e-6:
            result[-1][1] = max(result[-1][1], end)
        else:
            result.append([start, end])
    return result


def covered(intervals: Sequence[Sequence[float]]) -> float:
    return sum(end - start for start, end in intervals)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Step:
    intervals: list[list[float]]
    watched: float
    credited: float
    seek: bool


def apply_span(intervals: Sequence[Sequence[float]], start: float, end: float, elapsed: float,
               max_rate: float) -> Step:
    """Credit ``[start, end]`` if real time allows it (``elapsed`` seconds at up to ``max_rate``)."""
    current = merge(intervals)
    before = covered(current)
    length = end - start
    if length <= 0:
        return Step(current, before, 0.0, False)
    if length > max(elapsed, 0.0) * max_rate:
        return Step(current, before, 0.0, True)
    merged = merge([*current, [start, end]])
    after = covered(merged)
    return Step(merged, after, after - before, False)
