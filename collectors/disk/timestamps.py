"""MACB times in UTC, with the precision each file system actually stores.

TSK hands back seconds + nanoseconds since 1970 for every file system, which hides
two facts an examiner needs: how precise the stored value is (FAT keeps modified
times to 2 s and access dates to the day; NTFS keeps 100 ns) and whether the disk
stored UTC at all. FAT and exFAT store the *local wall-clock* time of the machine
that wrote them. TSK converts those with the C library's ``mktime`` in the zone of
the running process, so we pin the process zone to UTC (TSK's value is then the
wall clock unchanged) and apply the examiner's chosen zone ourselves, recording
the assumption next to every time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import Any

from evidence_store.zones import DEFAULT_ZONE, zone_info

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# (modified, accessed, changed, born) precision in nanoseconds; 0 = not stored
_PRECISION: dict[str, tuple[int, int, int, int]] = {
    "ntfs": (100, 100, 100, 100),
    "fat": (2_000_000_000, 86_400_000_000_000, 0, 10_000_000),
    "exfat": (10_000_000, 2_000_000_000, 0, 10_000_000),
    "ext2": (1_000_000_000, 1_000_000_000, 1_000_000_000, 0),
    "ext4": (1, 1, 1, 1),
    "hfs": (1_000_000_000, 1_000_000_000, 1_000_000_000, 1_000_000_000),
    "iso9660": (1_000_000_000, 1_000_000_000, 1_000_000_000, 1_000_000_000),
    "apfs": (1, 1, 1, 1),
}
LOCAL_TIME_FAMILIES = {"fat", "exfat"}
_pinned = False


def pin_libc_zone_to_utc() -> None:
    """Make TSK's ``mktime`` identity, so FAT wall-clock fields come back unchanged.

    Process-wide: code in this process must show times with explicit zones (as the
    toolkit does everywhere), never with the C library's local zone.
    """
    global _pinned
    if _pinned:
        return
    os.environ["TZ"] = "UTC"
    if hasattr(time, "tzset"):
        time.tzset()
    _pinned = True


def precision_label(ns: int) -> str:
    if ns <= 0:
        return "not stored"
    for size, unit in ((86_400_000_000_000, "d"), (1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "µs")):
        if ns >= size and ns % size == 0:
            return f"{ns // size} {unit}"
    return f"{ns} ns"


@dataclass(frozen=True)
class TimePolicy:
    """How to read one file system's times: its family, and the zone for local-time fields."""

    family: str
    local_zone: str = DEFAULT_ZONE
    ext_nanoseconds: bool = False

    @property
    def stores_local_time(self) -> bool:
        return self.family in LOCAL_TIME_FAMILIES

    def precisions(self) -> tuple[int, int, int, int]:
        return _precisions(self.family, self.ext_nanoseconds)

    def assumption(self) -> dict[str, Any] | None:
        if not self.stores_local_time:
            return None
        return {"stored_as": "local wall-clock time", "zone_assumed": self.local_zone,
                "note": "FAT/exFAT store the local time of the writing computer; converted to UTC "
                        f"assuming {self.local_zone}"}

    def convert(self, seconds: int, nanos: int, slot: int) -> dict[str, Any] | None:
        """One time as ``{"utc", "precision"}`` (plus the raw local value for FAT)."""
        precision = self.precisions()[slot]
        if precision == 0 or (seconds == 0 and nanos == 0):
            return None
        if not self.stores_local_time:  # the common case, kept cheap: listings convert millions
            return _utc_value(seconds, nanos, precision)
        nanos = nanos - nanos % precision if precision < 1_000_000_000 else 0
        wall = (_EPOCH + timedelta(seconds=seconds)).replace(tzinfo=None)
        local = wall.replace(tzinfo=zone_info(self.local_zone))
        utc = local.astimezone(UTC)
        return {"utc": _iso(utc, nanos, precision), "precision": precision_label(precision),
                "local": _iso(wall, nanos, precision, suffix=""), "zone": self.local_zone}

    def macb(self, meta: Any) -> dict[str, Any]:
        """The four times of a TSK meta structure, converted (absent ones left out)."""
        return self.convert_all(raw_times(meta))

    def convert_all(self, raw: tuple[int, ...]) -> dict[str, Any]:
        """``raw_times`` (m, m ns, a, a ns, c, c ns, b, b ns) converted; absent ones left out."""
        result: dict[str, Any] = {}
        if self.stores_local_time:
            for slot, name in enumerate(SLOTS):
                value = self.convert(raw[2 * slot], raw[2 * slot + 1], slot)
                if value is not None:
                    result[name] = value
            return result
        for name, index, precision, label, width in _utc_slots(self.precisions()):  # _utc_value, inline
            seconds, nanos = raw[index], raw[index + 1]
            if seconds or nanos:
                base = _utc_seconds(seconds)
                if width:
                    result[name] = {"utc": f"{base}.{nanos - nanos % precision:09d}"[:len(base) + 1 + width] + "Z",
                                    "precision": label}
                else:
                    result[name] = {"utc": base + "Z", "precision": label}
        return result

    def epoch(self, seconds: int, slot: int) -> int:
        """Whole seconds since 1970 UTC (for the mactime body file)."""
        if seconds == 0 or self.precisions()[slot] == 0:
            return 0
        if not self.stores_local_time:
            return seconds
        wall = (_EPOCH + timedelta(seconds=seconds)).replace(tzinfo=None)
        return int(wall.replace(tzinfo=zone_info(self.local_zone)).timestamp())


@lru_cache(maxsize=16)
def _utc_slots(precisions: tuple[int, int, int, int]) -> tuple[tuple[str, int, int, str, int], ...]:
    """The stored slots of a UTC file system: name, index in ``raw_times``, precision, its label, and the digits
    of its fraction (0: whole seconds), as :func:`_utc_value` writes them."""
    return tuple((name, 2 * slot, precision, _LABELS[precision],
                  0 if precision >= 1_000_000_000 else _DIGITS.get(precision, 9))
                 for slot, (name, precision) in enumerate(zip(SLOTS, precisions, strict=True)) if precision)


@lru_cache(maxsize=64)
def _precisions(family: str, ext_nanoseconds: bool) -> tuple[int, int, int, int]:
    if family == "ext":
        return _PRECISION["ext4" if ext_nanoseconds else "ext2"]
    return _PRECISION.get(family, (1_000_000_000,) * 4)


def times_json(raw: tuple[int, ...], precisions: tuple[int, int, int, int]) -> bytes:
    """``json.dumps(convert_all(raw), ensure_ascii=False)`` in UTF-8 for a UTC file system, without the dicts.

    Listings write one per entry (a million on a large disk), so each slot is one ``%`` on a
    template made once per precision, in bytes (listings are written as UTF-8, and ASCII text
    costs nothing to encode only when it never was text); a test holds the two to the same text.
    """
    whole = whole_template(precisions)
    if whole is not None:  # every stored slot in one `%` when each holds a time (the common case: half the cost)
        template, pick, divisors = whole
        s = utc_seconds_utf8
        if len(divisors) == 4:
            m, mn, a, an, c, cn, b, bn = pick(raw)
            if m and a and c and b:
                d0, d1, d2, d3 = divisors
                return template % (s(m), mn // d0, s(a), an // d1, s(c), cn // d2, s(b), bn // d3)
        else:
            m, mn, a, an, c, cn = pick(raw)
            if m and a and c:
                d0, d1, d2 = divisors
                return template % (s(m), mn // d0, s(a), an // d1, s(c), cn // d2)
    parts = []
    seconds_text = utc_seconds_utf8
    for template, divisor, index in _time_templates(precisions):
        seconds, nanos = raw[index], raw[index + 1]
        if seconds or nanos:
            parts.append(template % (seconds_text(seconds), nanos // divisor) if divisor
                         else template % seconds_text(seconds))
    return b"{" + b", ".join(parts) + b"}"


@lru_cache(maxsize=1 << 16)
def utc_seconds_utf8(seconds: int) -> bytes:
    return _utc_seconds(seconds).encode()


@lru_cache(maxsize=16)
def _time_templates(precisions: tuple[int, int, int, int]) -> tuple[tuple[bytes, int, int], ...]:
    """Per stored slot: a ``%`` template of its JSON text, the divisor of its nanoseconds (0: whole seconds),
    and the slot's index in ``raw_times``; slots the file system does not store are left out."""
    templates = []
    for slot, precision in enumerate(precisions):
        if not precision:
            continue
        width = 0 if precision >= 1_000_000_000 else _DIGITS.get(precision, 9)
        divisor = precision
        if width and 10 ** (9 - width) != precision:
            width, divisor = 9, 1  # a precision that is not a power of ten: all nine digits, like _utc_value
        prefix = f'"{SLOTS[slot]}": {{"utc": "'
        suffix = f'Z", "precision": "{_LABELS[precision]}"}}'.replace("%", "%%")
        fraction = f".%0{width}d" if width else ""
        templates.append(((prefix.replace("%", "%%") + "%s" + fraction + suffix).encode(), divisor if width else 0,
                          2 * slot))
    return tuple(templates)


@lru_cache(maxsize=16)
def whole_template(precisions: tuple[int, int, int, int]
                    ) -> tuple[bytes, Callable[[tuple[int, ...]], tuple[int, ...]], tuple[int, ...]] | None:
    """For three or four stored slots: the template of all of them (each taking its seconds and its
    nanoseconds: ``%.0a`` swallows those of a whole-second slot), what picks their raw fields, and the
    divisors of their nanoseconds."""
    templates = _time_templates(precisions)
    if len(templates) not in (3, 4):
        return None
    whole = b"{" + b", ".join(t if divisor else t.replace(b"%s", b"%s%.0a", 1) for t, divisor, _ in templates) + b"}"
    fields = [field for _, _, index in templates for field in (index, index + 1)]
    return whole, itemgetter(*fields), tuple(divisor or 1 for _, divisor, _ in templates)


def _utc_value(seconds: int, nanos: int, precision: int) -> dict[str, Any]:
    """A UTC time with as many fraction digits as the file system stores."""
    base = _utc_seconds(seconds)
    if precision >= 1_000_000_000:
        return {"utc": base + "Z", "precision": _LABELS[precision]}
    nanos -= nanos % precision
    return {"utc": f"{base}.{nanos:09d}"[: len(base) + 1 + _DIGITS.get(precision, 9)] + "Z",
            "precision": _LABELS[precision]}


@lru_cache(maxsize=1 << 16)
def _utc_seconds(seconds: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` in UTC (cached: files written together share their seconds)."""
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    except (OverflowError, OSError, ValueError):
        return (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")


def _iso(moment: datetime, nanos: int, precision: int, suffix: str = "Z") -> str:
    return _fraction(moment.strftime("%Y-%m-%dT%H:%M:%S"), nanos, precision) + suffix


_DIGITS = {100: 7, 1: 9, 10_000_000: 2, 1_000_000: 3, 1_000: 6}


def _fraction(base: str, nanos: int, precision: int) -> str:
    """Seconds plus as many fraction digits as the file system stores."""
    if precision >= 1_000_000_000:
        return base
    return f"{base}.{nanos:09d}"[: len(base) + 1 + _DIGITS.get(precision, 9)]


class _Labels(dict):  # type: ignore[type-arg]
    def __missing__(self, key: int) -> str:
        self[key] = precision_label(key)
        return self[key]


_LABELS = _Labels()


SLOTS = ("modified", "accessed", "changed", "born")


def macb(meta: Any, policy: TimePolicy) -> dict[str, Any]:
    """The four times of a TSK meta structure, converted (absent ones left out)."""
    return policy.macb(meta)


def raw_times(meta: Any) -> tuple[int, ...]:
    """The eight time fields of a TSK meta structure, read once (each read builds a Python object)."""
    return (meta.mtime or 0, meta.mtime_nano or 0, meta.atime or 0, meta.atime_nano or 0,
            meta.ctime or 0, meta.ctime_nano or 0, meta.crtime or 0, meta.crtime_nano or 0)


def epochs(raw: tuple[int, ...], policy: TimePolicy) -> tuple[int, int, int, int]:
    """Whole seconds UTC of ``raw_times`` (for body files)."""
    return (policy.epoch(raw[0], 0), policy.epoch(raw[2], 1), policy.epoch(raw[4], 2), policy.epoch(raw[6], 3))


def filetime(value: int) -> tuple[int, int]:
    """Windows FILETIME (100 ns since 1601) as (seconds, nanoseconds) since 1970."""
    if value == 0:
        return 0, 0
    ticks = value - 116_444_736_000_000_000
    return ticks // 10_000_000, (ticks % 10_000_000) * 100
