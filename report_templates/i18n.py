"""Bilingual wording and the date and time forms courts and agencies expect.

Vietnamese dates follow the administrative style (Decree 30/2020): ``ngày 05
tháng 01 năm 2026`` (a zero before days under 10 and months 1 and 2), times as
``14 giờ 05 phút``, always with the zone (``giờ Việt Nam, UTC+7``). Terms come
from ``../shared/GLOSSARY.md``. The local zone is the ``timezone`` setting.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from evidence_store import UsageError, parse_iso
from evidence_store.catalogue import lookup
from evidence_store.sizes import human_size as human_size  # the one size formatting, re-exported for reports
from evidence_store.zones import VIETNAM_ZONES

from .strings import STRINGS

LANGS = ("vi", "en")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise UsageError(f"report language must be vi or en, not {lang!r}",
                         message_vi=f"ngôn ngữ báo cáo phải là vi hoặc en, không phải {lang!r}")
    return lang


def t(key: str, lang: str, **values: object) -> str:
    """The wording for ``key`` in ``lang`` (``{name}`` fields filled from ``values``)."""
    return lookup(STRINGS, key, lang, **values)


def both(key: str, **values: object) -> str:
    """Vietnamese first, then English: for bilingual files (package README, signatures)."""
    return f"{t(key, 'vi', **values)} / {t(key, 'en', **values)}"


def as_datetime(value: str | datetime) -> datetime:
    moment = parse_iso(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment


def utc_offset(moment: datetime, tz: tzinfo) -> str:
    """``UTC+7``, ``UTC+5:30``, ``UTC-3``, ``UTC`` for the offset in force at ``moment``."""
    offset = as_datetime(moment).astimezone(tz).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


def zone_label(moment: datetime, tz: ZoneInfo, lang: str) -> str:
    """``giờ Việt Nam, UTC+7`` / ``Viet Nam time, UTC+7``; other zones by their IANA name."""
    key = getattr(tz, "key", str(tz))
    vietnam = "giờ Việt Nam" if lang == "vi" else "Viet Nam time"
    name = vietnam if key in VIETNAM_ZONES else key
    return f"{name}, {utc_offset(moment, tz)}"


def vi_date(day: date) -> str:
    dd = f"{day.day:02d}" if day.day < 10 else str(day.day)
    mm = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {dd} tháng {mm} năm {day.year}"


def en_date(day: date) -> str:
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def long_date(day: date, lang: str) -> str:
    return vi_date(day) if lang == "vi" else en_date(day)


def long_datetime(value: str | datetime, tz: ZoneInfo, lang: str, *, seconds: bool = False) -> str:
    """``14 giờ 05 phút, ngày 30 tháng 11 năm 2026 (giờ Việt Nam, UTC+7)`` or the English form."""
    local = as_datetime(value).astimezone(tz)
    label = zone_label(local, tz, lang)
    if lang == "vi":
        clock = f"{local.hour:02d} giờ {local.minute:02d} phút" + (f" {local.second:02d} giây" if seconds else "")
        return f"{clock}, {vi_date(local.date())} ({label})"
    clock = f"{local.hour:02d}:{local.minute:02d}" + (f":{local.second:02d}" if seconds else "")
    return f"{clock} on {en_date(local.date())} ({label})"


def utc_text(value: str | datetime) -> str:
    """``2026-11-30 07:05:09Z``: compact UTC for tables."""
    return as_datetime(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def local_text(value: str | datetime, tz: ZoneInfo) -> str:
    """``2026-11-30 14:05:09 UTC+7``: compact local time for tables."""
    local = as_datetime(value).astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M:%S ") + utc_offset(local, tz)


def number(value: int, lang: str) -> str:
    text = f"{value:,}"
    return text.replace(",", ".") if lang == "vi" else text
