"""Absolute UTC times from what platforms show: "2 giờ", "Hôm qua lúc 14:05", "3 thg 5", "5h",
"Yesterday at 2:05 PM", ISO strings and Unix epochs.

A relative time is resolved against the capture time, and the rule used is kept
with the result (with the uncertainty it implies), because a prosecutor must be
able to see that "2 giờ" was read as "between 2 and 3 hours before the capture".
Local wall-clock times are read in the capture's time zone (a setting, default
Asia/Ho_Chi_Minh) and converted to UTC.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from evidence_store.zones import DEFAULT_ZONE


@dataclass(frozen=True)
class ParsedTime:
    utc: str  # ISO 8601 with Z
    text: str  # what the page showed
    rule: str  # how it was read, in words
    precision_seconds: int  # how far the true time may lie after `utc` (0 = exact)
    rule_vi: str = ""  # the same rule in Vietnamese (reports are in both languages)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


UNITS: dict[str, tuple[str, int]] = {}
for names, unit, seconds in (
    (("s", "sec", "secs", "second", "seconds", "giây"), "second", 1),
    (("m", "min", "mins", "minute", "minutes", "phút", "ph"), "minute", 60),
    (("h", "hr", "hrs", "hour", "hours", "giờ", "tiếng", "g"), "hour", 3600),
    (("d", "day", "days", "ngày"), "day", 86400),
    (("w", "wk", "wks", "week", "weeks", "tuần"), "week", 7 * 86400),
    (("mo", "month", "months", "tháng"), "month", 30 * 86400),
    (("y", "yr", "yrs", "year", "years", "năm"), "year", 365 * 86400),
):
    for name in names:
        UNITS[name] = (unit, seconds)

MONTHS_EN = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
MONTH_NAMES_EN = {name: i for i, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "thứ hai": 0, "thứ ba": 1, "thứ tư": 2, "thứ năm": 3, "thứ sáu": 4, "thứ bảy": 5, "chủ nhật": 6,
    "thứ 2": 0, "thứ 3": 1, "thứ 4": 2, "thứ 5": 3, "thứ 6": 4, "thứ 7": 5,
}

_CLOCK = r"(?P<hour>\d{1,2})[:h](?P<minute>\d{2})(?:\s*(?P<ampm>am|pm|sa|ch))?"
_AT = r"(?:\s*(?:lúc|at|,)\s*" + _CLOCK + r")?"


def usable_zone(zone: str, fallback: str = DEFAULT_ZONE) -> tuple[str, str]:
    """``(zone, why)``: ``zone`` when it is a time zone this machine knows, else ``fallback`` (the vault's
    ``timezone`` setting) with the reason, so an unreadable browser zone never stops the reading."""
    for candidate, why in ((zone, ""), (fallback, f"the browser's time zone {zone!r} could not be used"),
                           (DEFAULT_ZONE, f"neither the browser's zone {zone!r} nor the setting {fallback!r} is known")):
        if not candidate:
            continue
        try:
            ZoneInfo(candidate)
        except (ValueError, KeyError, OSError):
            continue
        return candidate, why
    return "UTC", "no usable time zone"


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).strip().lower()
    text = text.replace("\u202f", " ").replace("\xa0", " ")
    return re.sub(r"\s+", " ", text)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clock(match: re.Match[str]) -> time | None:
    if match.group("hour") is None:
        return None
    hour, minute = int(match.group("hour")), int(match.group("minute"))
    ampm = match.group("ampm")
    if ampm in ("pm", "ch") and hour < 12:
        hour += 12
    elif ampm in ("am", "sa") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise ValueError("not a clock time")
    return time(hour, minute)


def parse_time(text: str, captured_at: datetime, zone: str = DEFAULT_ZONE) -> ParsedTime | None:
    """Read ``text`` as an absolute UTC time, or None when it is not a time we understand."""
    if captured_at.tzinfo is None:
        raise ValueError("captured_at must be timezone-aware")
    tz = ZoneInfo(zone)
    local_now = captured_at.astimezone(tz)
    norm = _norm(text)
    for reader in (_absolute, _just_now, _relative, _day_word, _weekday, _day_month, _dashed_date):
        try:
            result = reader(norm, captured_at, local_now, tz, zone)
        except ValueError:
            result = None
        if result is not None:
            utc, (rule, rule_vi), precision = result
            return ParsedTime(utc, text, rule, precision, rule_vi)
    return None


Rule = tuple[str, str]  # (English, Vietnamese)
Result = tuple[str, Rule, int] | None
UNITS_VI = {"second": "giây", "minute": "phút", "hour": "giờ", "day": "ngày", "week": "tuần", "month": "tháng",
            "year": "năm"}


def _absolute(norm: str, captured_at: datetime, local_now: datetime, tz: ZoneInfo, zone: str) -> Result:
    if re.fullmatch(r"\d{10}(\.\d+)?", norm):
        return _iso(datetime.fromtimestamp(float(norm), UTC)), ("Unix time (seconds since 1970, UTC)",
                                                                     "thời gian Unix (số giây kể từ năm 1970, UTC)"), 0
    if re.fullmatch(r"\d{13}", norm):
        return _iso(datetime.fromtimestamp(int(norm) / 1000, UTC)), ("Unix time in milliseconds (UTC)",
                                                                         "thời gian Unix tính bằng mili giây (UTC)"), 0
    if re.match(r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}", norm):
        moment = datetime.fromisoformat(norm.upper().replace("Z", "+00:00"))
        if moment.tzinfo is None:
            return _iso(moment.replace(tzinfo=tz)), (f"ISO 8601 local time, read in {zone}",
                                                          f"giờ địa phương ISO 8601, đọc theo múi giờ {zone}"), 0
        return _iso(moment), ("ISO 8601 with its own offset", "ISO 8601 kèm độ lệch múi giờ"), 0
    return None


def _just_now(norm: str, captured_at: datetime, *_: Any) -> Result:
    if norm in ("just now", "vừa xong", "now", "bây giờ", "mới đây"):
        # the interval is [capture - 60 s, capture]: it starts a minute before and ends at the capture
        return _iso(captured_at - timedelta(seconds=60)), ("'just now': within the minute before the capture",
                                                           "'vừa xong': trong vòng một phút trước khi thu thập"), 60
    return None


def _relative(norm: str, captured_at: datetime, *_: Any) -> Result:
    match = re.fullmatch(r"(?:khoảng |about |an? )?(?P<n>\d+|an?|một)\s*(?P<unit>[a-zà-ỹ]+)(?: trước| ago)?", norm)
    if not match or match.group("unit") not in UNITS:
        return None
    raw_n = match.group("n")
    n = 1 if raw_n in ("a", "an", "một") else int(raw_n)
    unit, seconds = UNITS[match.group("unit")]
    moment = captured_at - timedelta(seconds=n * seconds)
    unit_vi = UNITS_VI[unit]
    rule = (f"relative: {n} {unit}(s) before capture (shown rounded down, so up to one {unit} earlier)",
            f"tương đối: {n} {unit_vi} trước khi thu thập (trang làm tròn xuống, nên có thể sớm hơn tối đa một {unit_vi})")
    # "2 giờ" means at least 2 and under 3 hours: the post is in (capture - 3h, capture - 2h].
    return _iso(moment - timedelta(seconds=seconds)), rule, seconds


def _day_word(norm: str, captured_at: datetime, local_now: datetime, tz: ZoneInfo, zone: str) -> Result:
    match = re.fullmatch(r"(?P<word>hôm qua|yesterday|hôm nay|today)" + _AT, norm)
    if not match:
        return None
    offset = 1 if match.group("word") in ("hôm qua", "yesterday") else 0
    day = local_now.date() - timedelta(days=offset)
    word = match.group("word")
    return _at_day(day, _clock(match), tz, zone, (f"'{word}' relative to the capture date",
                                                  f"'{word}' tính theo ngày thu thập"))


def _weekday(norm: str, captured_at: datetime, local_now: datetime, tz: ZoneInfo, zone: str) -> Result:
    match = re.fullmatch(r"(?P<day>thứ (?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ nhật|monday|tuesday|wednesday|thursday|"
                         r"friday|saturday|sunday)" + _AT, norm)
    if not match:
        return None
    back = (local_now.weekday() - WEEKDAYS[match.group("day")]) % 7 or 7
    day = local_now.date() - timedelta(days=back)
    name = match.group("day")
    return _at_day(day, _clock(match), tz, zone, (f"'{name}': the most recent such day before the capture",
                                                  f"'{name}': ngày gần nhất như vậy trước khi thu thập"))


def _day_month(norm: str, captured_at: datetime, local_now: datetime, tz: ZoneInfo, zone: str) -> Result:
    vi = re.fullmatch(r"(?:ngày )?(?P<d>\d{1,2})(?: thg | tháng |/)(?P<m>\d{1,2})(?:,? (?:năm )?(?P<y>\d{4})|/(?P<y2>\d{4}))?"
                      + _AT, norm)
    en = re.fullmatch(r"(?P<mon>[a-z]{3,9})\.? (?P<d>\d{1,2})(?:st|nd|rd|th)?(?:,? (?P<y>\d{4}))?" + _AT, norm)
    en2 = re.fullmatch(r"(?P<d>\d{1,2}) (?P<mon>[a-z]{3,9})\.?(?:,? (?P<y>\d{4}))?" + _AT, norm)
    match = vi or en or en2
    if not match:
        return None
    if vi:
        month = int(vi.group("m"))
        year_text = vi.group("y") or vi.group("y2")
    else:
        name = match.group("mon")
        month = MONTH_NAMES_EN.get(name) or (MONTHS_EN.get(name[:3], 0) if len(name) == 3 or name == "sept" else 0)
        if not month:
            return None
        year_text = match.group("y")
    day_num = int(match.group("d"))
    if year_text:
        day = date(int(year_text), month, day_num)
        rule = ("date with its year", "ngày có ghi năm")
    else:
        day = date(local_now.year, month, day_num)
        rule = ("day and month without a year: the capture year", "ngày, tháng không ghi năm: lấy năm thu thập")
        if day > local_now.date():
            day = date(local_now.year - 1, month, day_num)
            rule = ("day and month without a year: the previous year (the date is after the capture in this year)",
                    "ngày, tháng không ghi năm: lấy năm trước (trong năm thu thập, ngày này ở sau thời điểm thu thập)")
    return _at_day(day, _clock(match), tz, zone, rule)


def _dashed_date(norm: str, captured_at: datetime, local_now: datetime, tz: ZoneInfo, zone: str) -> Result:
    """TikTok's dates: ``2024-11-5`` and, within the current year, ``11-5`` (month first)."""
    match = re.fullmatch(r"(?:(?P<y>\d{4})-)?(?P<m>\d{1,2})-(?P<d>\d{1,2})", norm)
    if not match:
        return None
    month, day_num = int(match.group("m")), int(match.group("d"))
    if match.group("y"):
        return _at_day(date(int(match.group("y")), month, day_num), None, tz, zone,
                       ("year-month-day date", "ngày dạng năm-tháng-ngày"))
    day = date(local_now.year, month, day_num)
    rule = ("month-day date without a year (TikTok style): the capture year",
            "ngày dạng tháng-ngày không ghi năm (kiểu TikTok): lấy năm thu thập")
    if day > local_now.date():
        day = date(local_now.year - 1, month, day_num)
        rule = ("month-day date without a year (TikTok style): the previous year",
                "ngày dạng tháng-ngày không ghi năm (kiểu TikTok): lấy năm trước")
    return _at_day(day, None, tz, zone, rule)


def _at_day(day: date, clock: time | None, tz: ZoneInfo, zone: str, rule: Rule) -> Result:
    en, vi = rule
    if clock is None:
        start = datetime.combine(day, time(0, 0), tz)
        return _iso(start), (f"{en}; no time of day shown (any time that day, {zone})",
                             f"{vi}; không hiển thị giờ (bất kỳ lúc nào trong ngày đó, múi giờ {zone})"), 86400 - 1
    moment = datetime.combine(day, clock, tz)
    return _iso(moment), (f"{en}; time of day read in {zone}", f"{vi}; giờ đọc theo múi giờ {zone}"), 59
