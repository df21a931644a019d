import datetime as dt

from django.utils import timezone

from courses.services.progress import CLOCK_CARRY, apply_span, covered, merge, next_clock


def test_it_merges_overlapping_and_touching_intervals() -> None:
    assert merge([[10, 20], [0, 5], [5, 8], [15, 30], [40, 41]]) == [[0, 8], [10, 30], [40, 41]]
    assert merge([[3, 3], [5, 4]]) == []
    assert covered(merge([[0, 10], [5, 15]])) == 15


def test_it_credits_a_span_that_fits_real_time() -> None:
    step = apply_span([], 0, 15, elapsed=15, max_rate=2.0)
    assert step.credited == 15 and step.intervals == [[0, 15]] and not step.seek


def test_it_treats_a_span_longer_than_real_time_allows_as_a_seek() -> None:
    step = apply_span([[0, 10]], 10, 100, elapsed=15, max_rate=2.0)
    assert step.seek and step.credited == 0 and step.intervals == [[0, 10]]


def test_it_adds_nothing_for_rewatching() -> None:
    step = apply_span([[0, 30]], 5, 25, elapsed=20, max_rate=2.0)
    assert step.credited == 0 and step.watched == 30
    partly = apply_span([[0, 30]], 20, 40, elapsed=20, max_rate=2.0)
    assert partly.credited == 10 and partly.intervals == [[0, 40]]


def test_it_credits_nothing_after_a_gap_longer_than_allowed() -> None:
    silent = apply_span([[0, 10]], 10, 40, elapsed=600, max_rate=2.0, max_gap=45)
    assert silent.idle and silent.credited == 0 and silent.intervals == [[0, 10]] and not silent.seek
    assert apply_span([[0, 10]], 10, 40, elapsed=45, max_rate=2.0, max_gap=45).credited == 30


def test_it_carries_a_little_unused_time_but_never_more_than_real_time() -> None:
    now = timezone.now()
    honest = apply_span([], 0, 15, elapsed=15.3, max_rate=1.0)
    assert next_clock(now, 15.3, honest) == now - dt.timedelta(seconds=0.3)
    video = apply_span([], 0, 15, elapsed=15, max_rate=2.0)  # 15 s of video at 2× took 7.5 s
    assert next_clock(now, 15, video) == now - dt.timedelta(seconds=CLOCK_CARRY)
    seek = apply_span([], 0, 90, elapsed=15, max_rate=2.0)
    assert seek.seek and next_clock(now, 15, seek) == now
