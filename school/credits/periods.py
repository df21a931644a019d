"""Period keys: a month ``YYYY-MM``, a quarter ``YYYY-Qn``, a year ``YYYY`` and ``all`` (overall).

A ledger row carries its day and month (local time, ``TIME_ZONE``); every other period is derived
from the month, so the aggregates of a quarter or a year are sums over month keys.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

OVERALL = "all"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    key: str
    kind: str  # month / quarter / year / all
    months: tuple[str, ...]  # month keys covered; empty for ``all``

    @property
    def label(self) -> str:
        if self.kind == "all":
            return _("Overall")
        if self.kind == "quarter":
            year, q = self.key.split("-Q")
            return _("%(year)s Q%(q)s") % {"year": year, "q": q}
        return self.key

    @property
    def month_count(self) -> int:
        return len(self.months) if self.months else 12


def parse(key: str) -> Period:
    key = (key or "").strip()
    if key == OVERALL:
        return Period(OVERALL, "all", ())
    if m := _MONTH.match(key):
        return Period(key, "month", (key,))
    if m := _QUARTER.match(key):
        year, q = int(m[1]), int(m[2])
        return Period(key, "quarter", tuple(f"{year}-{month:02d}" for month in range(3 * q - 2, 3 * q + 1)))
    if m := _YEAR.match(key):
        year = int(m[1])
        return Period(key, "year", tuple(f"{year}-{month:02d}" for month in range(1, 13)))
    raise PeriodError(_("Unknown period %(key)s: use YYYY-MM, YYYY-Qn, YYYY or all.") % {"key": key})


def month_key(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def periods_of_month(month: str) -> list[str]:
    """Every period key a ledger row of ``month`` counts towards."""
    year, mm = month.split("-")
    return [month, f"{year}-Q{(int(mm) - 1) // 3 + 1}", year, OVERALL]


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def updated_label(when: dt.datetime | None) -> str:
    """数据更新于 <time>: what every statistics page and export says about its numbers (``when``: the
    time the newest event they include was applied), or that they were never computed."""
    if when is None:
        return _("Data not computed yet")
    return _("Data updated at %(time)s") % {"time": timezone.localtime(when).strftime("%Y-%m-%d %H:%M:%S")}


def current_month() -> str:
    return month_key(timezone.localdate())


def recent_months(count: int, until: str | None = None) -> list[str]:
    year, month = map(int, (until or current_month()).split("-"))
    keys: list[str] = []
    for _i in range(count):
        keys.append(f"{year}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(keys))


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    year, mm = map(int, month.split("-"))
    start = dt.date(year, mm, 1)
    end = dt.date(year + (mm == 12), mm % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def period_bounds(period: Period) -> tuple[dt.date, dt.date] | None:
    if not period.months:
        return None
    return month_bounds(period.months[0])[0], month_bounds(period.months[-1])[1]


def register_date(period: Period | str, today: dt.date | None = None) -> dt.date:
    """The day whose members (``Member.objects.in_register(org, on=...)``) a period's statistics count:
    its last day, or today while it is not over (``all``: today). A member transferred on day D counts in
    the old organization for the periods that ended before D and in the new one from D on."""
    today = today or timezone.localdate()
    bounds = period_bounds(parse(period) if isinstance(period, str) else period)
    return today if bounds is None else min(bounds[1], today)
