"""Time zones as a reader names them ("Giờ Việt Nam (UTC+07:00)"), while settings keep the IANA name.

Names come from the Unicode CLDR through Qt's ICU (``QTimeZone.displayName`` in the
interface's language); Viet Nam's zone is called what the reports call it. Zones
sharing a name ("Giờ Đông Dương") are told apart by their IANA name after it.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from evidence_store.zones import VIETNAM_ZONES

from .formatting import offset_label
from .i18n import tr_in


def utc_offset(name: str) -> str:
    """``UTC+07:00``: the zone's offset now, daylight saving included."""
    return offset_label(datetime.now(ZoneInfo(name)))


def zone_words(name: str, lang: str) -> str:
    """The zone's name in words (``Giờ Việt Nam``; ``Giờ Đông Dương — Asia/Bangkok``), else its IANA name."""
    if name in VIETNAM_ZONES:
        return tr_in(lang, "zone.vietnam")
    words = _cldr_name(name, lang)
    return name if not words or words.startswith(("GMT", "UTC")) else f"{words} — {name}"


def zone_label(name: str, lang: str) -> str:
    """The zone in words in ``lang`` with its offset: ``Giờ Việt Nam (UTC+07:00)``."""
    words, _, iana = zone_words(name, lang).partition(" — ")
    return f"{words} ({utc_offset(name)})" + (f" — {iana}" if iana else "")


@cache
def zone_choices(lang: str) -> tuple[tuple[str, str], ...]:
    """(label, IANA name) of every zone: Viet Nam's first, then by offset and name."""
    names = sorted(available_timezones() - {"Factory", "localtime"})
    rows = [(zone_label(name, lang), name) for name in names]
    first = [row for row in rows if row[1] == "Asia/Ho_Chi_Minh"]
    rest = [row for row in rows if row[1] != "Asia/Ho_Chi_Minh"]
    rest.sort(key=lambda row: (_minutes(row[1]), row[0]))
    return tuple(first + rest)


def _minutes(name: str) -> int:
    offset = datetime.now(ZoneInfo(name)).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def _cldr_name(name: str, lang: str) -> str:
    from PySide6.QtCore import QLocale, QTimeZone

    zone = QTimeZone(name.encode())
    if not zone.isValid():
        return ""
    locale = QLocale("vi_VN" if lang == "vi" else "en_GB")
    return zone.displayName(QTimeZone.TimeType.GenericTime, QTimeZone.NameType.LongName, locale).strip()
