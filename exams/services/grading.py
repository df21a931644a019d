"""Answer shapes, normalization and exact grading.

A response is what the member sends, in terms of the options as displayed on their paper:
single/judge ``"B"``; multiple ``["A", "C"]``; fill ``["答案一", "答案二"]`` (one string per blank).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from ..models import MultiplePolicy, QuestionType, QuestionVersion
from .errors import ExamError

LETTERS = "ABCDEFGHIJ"
MAX_FILL_LENGTH = 200
_SPACES = re.compile(r"\s+")


def normalize_text(value: str) -> str:
    """Full-width/half-width (NFKC), all white space removed, case folded."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value)).casefold()


def letter(index: int) -> str:
    return LETTERS[index]


def validate_response(version: QuestionVersion, response: Any, option_count: int | None = None) -> Any:
    """Return the response in canonical form or raise ExamError (nothing saved)."""
    count = len(version.options) if option_count is None else option_count
    allowed = set(LETTERS[:count])
    if version.qtype in (QuestionType.SINGLE, QuestionType.JUDGE):
        if not isinstance(response, str):
            raise ExamError(_("This question takes one option letter."), "bad_shape")
        value = response.strip().upper()
        if value not in allowed:
            raise ExamError(_("Unknown option %(option)s.") % {"option": response[:10]}, "unknown_option")
        return value
    if version.qtype == QuestionType.MULTIPLE:
        if not isinstance(response, list) or not all(isinstance(x, str) for x in response):
            raise ExamError(_("This question takes a list of option letters."), "bad_shape")
        values = sorted({x.strip().upper() for x in response})
        unknown = [x for x in values if x not in allowed]
        if unknown:
            raise ExamError(_("Unknown option %(option)s.") % {"option": unknown[0][:10]}, "unknown_option")
        return values
    # fill
    if not isinstance(response, list) or not all(isinstance(x, str) for x in response):
        raise ExamError(_("This question takes a list of texts, one per blank."), "bad_shape")
    if len(response) != version.blanks:
        raise ExamError(_("This question has %(n)d blanks.") % {"n": version.blanks}, "bad_shape")
    if any(len(x) > MAX_FILL_LENGTH for x in response):
        raise ExamError(_("An answer is too long."), "bad_shape")
    return [x.strip() for x in response]


def to_original(response: Any, permutation: list[int]) -> set[int]:
    """Displayed letters -> original option indices."""
    letters = [response] if isinstance(response, str) else list(response)
    out = set()
    for item in letters:
        pos = LETTERS.index(item)
        out.add(permutation[pos] if permutation else pos)
    return out


def to_displayed(indices: list[int], permutation: list[int]) -> list[str]:
    if not permutation:
        return sorted(letter(i) for i in indices)
    return sorted(letter(permutation.index(i)) for i in indices)


def grade(
    version: QuestionVersion, response: Any, permutation: list[int], points: Decimal, policy: str
) -> tuple[Decimal, bool]:
    """(points earned, fully correct) for one canonical response; no response earns nothing."""
    if response in (None, "", []):
        return Decimal(0), False
    if version.qtype == QuestionType.FILL:
        blanks: list[list[str]] = version.answer
        good = sum(
            1 for given, accepted in zip(response, blanks, strict=False)
            if normalize_text(given) and normalize_text(given) in {normalize_text(a) for a in accepted}
        )
        earned = points * Decimal(good) / Decimal(len(blanks) or 1)
        return _round(earned), good == len(blanks)
    chosen = to_original(response, permutation)
    correct = set(version.answer)
    if chosen == correct:
        return points, True
    if version.qtype != QuestionType.MULTIPLE or policy == MultiplePolicy.ALL_OR_NOTHING:
        return Decimal(0), False
    if chosen - correct:  # a wrong option chosen earns nothing under every policy
        return Decimal(0), False
    if policy == MultiplePolicy.HALF:
        return _round(points / 2), False
    return _round(points * Decimal(len(chosen)) / Decimal(len(correct))), False


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
