"""Canonical JSON and UTC time: the two encodings every hash and signature relies on.

Canonical JSON here is the subset of RFC 8785 our records need: sorted keys, no
insignificant whitespace, UTF-8, no floats (times and sizes are strings or ints).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def canonical_json(value: Any) -> bytes:
    """Encode ``value`` deterministically so the same record always hashes the same."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    json.loads(text, parse_float=_no_float)  # C parser: cheaper than walking the value in Python
    return text.encode("utf-8")


def _no_float(text: str) -> Any:
    raise TypeError(f"floats are not allowed in canonical records ({text}); use strings or integers")


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime | None = None) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z`` suffix, e.g. 2026-11-30T05:21:28.123456Z."""
    moment = moment or utc_now()
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_iso(text: str) -> datetime:
    """Parse a timestamp written by :func:`iso_utc` (or any ISO 8601 with a zone)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {text}")
    return moment
