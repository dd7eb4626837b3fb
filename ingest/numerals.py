"""Chinese and full-width numerals as used in statute and list headings."""

from __future__ import annotations

import re
from functools import lru_cache

_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}

#: characters that may appear in a Chinese numeral
CN_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_UNITS)
NUMERAL = rf"[{CN_NUMERAL_CHARS}0-9０-９]+"


@lru_cache(maxsize=4096)
def to_int(text: str) -> int:
    """The integer a Chinese or Arabic numeral writes.

    >>> to_int("一百零一"), to_int("十"), to_int("三十五"), to_int("３５"), to_int("二〇二一")
    (101, 10, 35, 35, 2021)
    >>> to_int("第一")
    Traceback (most recent call last):
    ...
    ValueError: not a numeral: '第一'
    """
    s = text.strip().translate(_FULLWIDTH)
    if not s:
        raise ValueError("empty numeral")
    if s.isdigit():
        return int(s)
    if not re.fullmatch(rf"[{CN_NUMERAL_CHARS}]+", s):
        raise ValueError(f"not a numeral: {text!r}")
    if not any(c in _UNITS for c in s):  # digit by digit: 二〇二一
        return int("".join(str(_DIGITS[c]) for c in s))
    total, current = 0, 0
    for c in s:
        if c in _DIGITS:
            current = _DIGITS[c]
        else:
            unit = _UNITS[c]
            total += (current or 1) * unit
            current = 0
    return total + current
