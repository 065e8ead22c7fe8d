"""Canonical JSON and UTC time: the two encodings every hash and signature relies on.

Canonical JSON here is the subset of RFC 8785 our records need: sorted keys, no
insignificant whitespace, UTF-8, no floats (times and sizes are strings or ints).
"""

from __future__ import annotations

import functools
import json
import time
from datetime import UTC, datetime
from typing import Any, NamedTuple


def _no_float(text: str) -> Any:
    raise TypeError(f"floats are not allowed in canonical records ({text}); use strings or integers")


# Made once: json.dumps with options builds an encoder on every call, and records are encoded by the thousand
# (an acquisition of 100,000 extracted files encodes several values per file).
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
_float_check = json.JSONDecoder(parse_float=_no_float).raw_decode


_quote = json.encoder.encode_basestring  # what the encoder writes for a str when ensure_ascii is off
_SCALARS: dict[Any, bytes] = {None: b"null", True: b"true", False: b"false"}


def canonical_json(value: Any) -> bytes:
    """Encode ``value`` deterministically so the same record always hashes the same."""
    kind = type(value)
    if kind is str:
        return _quote(value).encode("utf-8")
    if kind is int:
        return int.__repr__(value).encode("ascii")
    if value is None or kind is bool:
        return _SCALARS[value]
    if not value and (kind is list or kind is dict):  # most items have no warnings
        return b"[]" if kind is list else b"{}"
    text = _encode(value)
    _float_check(text)  # C parser: cheaper than walking the value in Python
    return text.encode("utf-8")


def canonical_object(parts: dict[str, bytes]) -> bytes:
    """The canonical JSON of an object whose values are already encoded (``parts[key] = canonical_json(value)``):
    the same bytes as :func:`canonical_json` of the object itself, without encoding any value twice."""
    return b"{" + b",".join(_quote(key).encode("utf-8") + b":" + parts[key] for key in sorted(parts)) + b"}"


def canonical_object_around(parts: dict[str, bytes], hole: str) -> tuple[bytes, bytes]:
    """:func:`canonical_object` of ``parts`` plus ``hole``, cut where the hole's value goes: ``before + value +
    after`` is the canonical JSON of the object once the value is known (an item's id, fixed only at commit)."""
    layout = _layout_around(tuple(parts), hole)
    before = b"".join(map(bytes.__add__, layout.heads_before, map(parts.__getitem__, layout.keys_before)))
    after = b"".join(map(bytes.__add__, layout.heads_after, map(parts.__getitem__, layout.keys_after)))
    return before + layout.hole_head, after + b"}"


class _Layout(NamedTuple):
    keys_before: list[str]
    heads_before: list[bytes]  # what precedes each value: "{" or ",", the key, ":"
    hole_head: bytes
    keys_after: list[str]
    heads_after: list[bytes]


@functools.lru_cache(maxsize=256)
def _layout_around(keys: tuple[str, ...], hole: str) -> _Layout:
    """The keys before and after ``hole`` in canonical order, with what precedes each value: records of one kind
    (100,000 extracted files) share a few key sets, so each set is sorted and its keys quoted once."""
    ordered = sorted({*keys, hole})
    heads = [(b"," if index else b"{") + _quote(key).encode("utf-8") + b":" for index, key in enumerate(ordered)]
    at = ordered.index(hole)
    return _Layout(ordered[:at], heads[:at], heads[at], ordered[at + 1:], heads[at + 1:])


def quoted(text: str) -> bytes:
    """The canonical JSON of a string."""
    return _quote(text).encode("utf-8")


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime | None = None) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z`` suffix, e.g. 2026-11-30T05:21:28.123456Z."""
    if moment is None:
        return _now_text()
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


_second: tuple[int, str] = (-1, "")  # the last whole second written by _now_text, and its text up to the dot


def _now_text() -> str:
    """``iso_utc(utc_now())`` (the same clock, microseconds truncated as ``datetime.now`` does) with the text of
    the second made once per second: an extraction stamps 100,000 files, several a millisecond."""
    global _second
    seconds, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    known = _second  # read once: another thread may replace it
    if known[0] != seconds:
        known = _second = (seconds, datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S."))
    return f"{known[1]}{nanoseconds // 1000:06d}Z"


def parse_iso(text: str) -> datetime:
    """Parse a timestamp written by :func:`iso_utc` (or any ISO 8601 with a zone)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {text}")
    return moment
