"""How values look on screen: local times with their zone, sizes, short hashes.

Times are stored in UTC; the app shows them in the configured zone (setting
``timezone``, default Asia/Ho_Chi_Minh) and always says which zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evidence_store import DEFAULT_ZONE, parse_iso
from evidence_store.sizes import human_size as sized

from . import i18n


@lru_cache(maxsize=32)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def human_size(size: int | None) -> str:
    """A size in the interface's language ("" when unknown)."""
    return sized(size, i18n.current(), unknown="")


def offset_label(moment: datetime) -> str:
    """``UTC+07:00`` (``UTC`` for zero offset)."""
    delta = moment.utcoffset()
    if not delta:
        return "UTC"
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def to_local(iso: str, zone_name: str) -> datetime | None:
    try:
        moment = parse_iso(iso)
    except (ValueError, TypeError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(zone_name))


def local_time(iso: str | None, zone_name: str = DEFAULT_ZONE, *, long: bool = False) -> str:
    """``2026-11-30 12:37:14 UTC+07:00``; with ``long`` also the zone's name. Unparseable: as stored."""
    if not iso:
        return ""
    moment = to_local(iso, zone_name)
    if moment is None:
        return iso
    text = f"{moment:%Y-%m-%d %H:%M:%S} {offset_label(moment)}"
    if not long:
        return text
    from .zone_names import zone_words

    return f"{text} ({zone_words(zone(zone_name).key, i18n.current())})"


def short_hash(digest: str | None, length: int = 12) -> str:
    if not digest:
        return ""
    return digest[:length] + "…" if len(digest) > length else digest
