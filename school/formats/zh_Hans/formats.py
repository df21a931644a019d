"""Django's zh_Hans formats with ISO dates first among the input formats. A form widget renders a date with the
first input format; ``<input type="date">`` accepts only ``YYYY-MM-DD`` (Chinese ``2026/06/30`` shows as empty,
and the browser then submits it empty: an edit would erase the date). Parsing still accepts the other formats."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403
from django.conf.locale.zh_Hans.formats import DATE_INPUT_FORMATS as _DATES
from django.conf.locale.zh_Hans.formats import DATETIME_INPUT_FORMATS as _DATETIMES

DATE_INPUT_FORMATS = ["%Y-%m-%d", *(f for f in _DATES if f != "%Y-%m-%d")]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
                          *(f for f in _DATETIMES if not f.startswith("%Y-%m-%d"))]
