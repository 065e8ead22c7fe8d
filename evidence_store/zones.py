"""The local time zone: the default a vault starts with, and the one check of a zone name that every layer calls.

Times are stored in UTC; a zone only decides how they are shown (always with the zone's name) and how a local
time read from a source without an offset is turned into UTC.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import UsageError

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"  # the ``timezone`` setting overrides it
VIETNAM_ZONES = frozenset({"Asia/Ho_Chi_Minh", "Asia/Saigon"})  # called "giờ Việt Nam" wherever a zone is named


def zone_info(name: str | None) -> ZoneInfo:
    """``name`` (empty: the default zone) as a zone; an unknown name is a usage error with an example."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r}: use an IANA name such as {DEFAULT_ZONE}",
                         message_vi=f"múi giờ không xác định {name!r}: dùng tên IANA, ví dụ {DEFAULT_ZONE}") from None


def checked_zone_name(name: str) -> str:
    """``name`` unchanged once it names a known zone (for settings and schedules that store the name)."""
    zone_info(name.strip() or "?")
    return name.strip()
