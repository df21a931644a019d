"""Chinese numerals as party regulations write them (第十二条, 第一百零五条): read and written by the document
library (courses) and the search (article references), which may not import each other."""

from __future__ import annotations

_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_to_int(text: str) -> int | None:
    """``"一百二十三"`` -> 123, ``"十二"`` -> 12, ``"一千零一"`` -> 1001, ``"12"`` -> 12; None if not a numeral."""
    text = text.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not text:
        return None
    if text.isdigit():
        return int(text)
    total = 0
    digit: int | None = None
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[char]
            digit = None
        else:
            return None
    if digit is not None:
        total += digit
    return total


def int_to_chinese(number: int) -> str:
    """123 -> ``"一百二十三"``, 12 -> ``"十二"``, 105 -> ``"一百零五"`` (1 ≤ number < 10000)."""
    if number <= 0 or number >= 10000:
        return str(number)
    digits = "零一二三四五六七八九"
    parts: list[str] = []
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = number // value % 10
        if d == 0:
            zero = bool(parts)
            continue
        if zero:
            parts.append("零")
            zero = False
        parts.append(("" if (unit == "十" and d == 1 and not parts) else digits[d]) + unit)
    return "".join(parts)
