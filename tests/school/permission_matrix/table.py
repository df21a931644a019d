"""The whole rule table (not a test module): add the rule for a new URL to the ``rules_*`` module of its part."""

from __future__ import annotations

from .rules import Rule
from .rules_admin import SCHOOL
from .rules_site import SITE
from .rules_wagtail import WAGTAIL

RULES: list[Rule] = [*SITE, *SCHOOL, *WAGTAIL]
