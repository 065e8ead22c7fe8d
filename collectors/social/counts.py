"""Counts as platforms show them: "1.234", "1,234", "1,2K", "12 N", "1,5 Tr", "3 triệu", "2.4M views".

Vietnamese writes "1.234" for one thousand two hundred and thirty-four and
"1,2K" for about 1 200; English the other way round. A count is a whole
number, so a separator followed by exactly three digits (and no suffix) groups
thousands in both languages; with a suffix (K, N, Tr, M, B, tỷ) the separator
is a decimal point and the value is approximate (rounded by the platform).
"""

from __future__ import annotations

import re

MULTIPLIERS = {
    "k": 1_000, "n": 1_000, "nghìn": 1_000, "ngàn": 1_000, "ng": 1_000,
    "m": 1_000_000, "tr": 1_000_000, "triệu": 1_000_000, "mn": 1_000_000,
    "b": 1_000_000_000, "tỷ": 1_000_000_000, "tỉ": 1_000_000_000, "bn": 1_000_000_000,
}
_NUMBER = re.compile(
    r"(?<![\w.,])(?P<num>\d{1,3}(?:[.,\u202f\xa0 ]\d{3})+(?![\d])|\d+(?:[.,]\d+)?)"
    r"(?:\s?(?P<suffix>nghìn|ngàn|triệu|tỷ|tỉ|ng|tr|mn|bn|k|n|m|b)(?![a-zà-ỹđ]))?",
    re.IGNORECASE)


def parse_count(text: str) -> tuple[int, bool] | None:
    """``(value, approximate)`` for the first count in ``text``; None when there is no number."""
    if not text:
        return None
    match = _NUMBER.search(text.replace("\u00a0", " "))
    if match is None:
        return None
    raw, suffix = match.group("num"), (match.group("suffix") or "").lower()
    if suffix:
        normal = re.sub(r"[\u202f\xa0 ]", "", raw)
        if normal.count(",") + normal.count(".") == 1:
            normal = normal.replace(",", ".")
        else:  # "1.234K": grouping, then a suffix (rare); read the digits as written
            normal = normal.replace(",", "").replace(".", "")
        return int(round(float(normal) * MULTIPLIERS[suffix])), True
    digits = re.sub(r"[.,\u202f\xa0 ]", "", raw)
    if re.fullmatch(r"\d+[.,]\d{1,2}", raw):  # "1,5" with no suffix: not a whole number; keep the whole part
        return int(raw.replace(",", ".").split(".")[0]), True
    return int(digits), False
