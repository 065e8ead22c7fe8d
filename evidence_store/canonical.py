"""Canonical JSON and UTC time: the two encodings every hash and signature relies on.

Canonical JSON here is the subset of RFC 8785 our records need: sorted keys, no
insignificant whitespace, UTF-8, no floats (times and sizes are strings or ints).
"""

from __future__ import annotations

import functools
import json
import operator
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar


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
    if not parts:
        return b"{}"
    keys, heads = _layout(tuple(parts))
    return b"".join(map(bytes.__add__, heads, map(parts.__getitem__, keys))) + b"}"


def canonical_object_around(parts: dict[str, bytes], hole: str) -> tuple[bytes, bytes]:
    """:func:`canonical_object` of ``parts`` plus ``hole``, cut where the hole's value goes: ``before + value +
    after`` is the canonical JSON of the object once the value is known (an item's id, fixed only at commit)."""
    layout = _layout_around(tuple(parts), hole)
    before = b"".join(map(bytes.__add__, layout.heads_before, map(parts.__getitem__, layout.keys_before)))
    after = b"".join(map(bytes.__add__, layout.heads_after, map(parts.__getitem__, layout.keys_after)))
    return before + layout.hole_head, after + b"}"


def canonical_text(parts: dict[str, str]) -> str:
    """:func:`canonical_object` for values encoded as text (``parts[key] = canonical_json(value).decode()``)."""
    template = _text_template(tuple(parts), None)
    return template.before % template.pick_before(parts)


def canonical_text_around(parts: dict[str, str], hole: str) -> tuple[str, str]:
    """:func:`canonical_object_around` for values encoded as text: one ``%`` on a template per side, made once per
    set of keys (an extraction's 100,000 records share a few)."""
    template = _text_template(tuple(parts), hole)
    return template.before % template.pick_before(parts), template.after % template.pick_after(parts)


class _Template(NamedTuple):
    before: str  # the object up to the hole's value (the whole object when there is no hole), "%s" for values
    pick_before: Callable[[dict[str, str]], tuple[str, ...]]
    after: str
    pick_after: Callable[[dict[str, str]], tuple[str, ...]]


@functools.lru_cache(maxsize=256)
def _text_template(keys: tuple[str, ...], hole: str | None) -> _Template:
    ordered = sorted({*keys, hole} if hole is not None else keys)
    at = ordered.index(hole) if hole is not None else len(ordered)
    slots = [("," if index else "{") + _quote(key).replace("%", "%%") + ":%s" for index, key in enumerate(ordered)]
    if hole is None:
        return _Template("".join(slots) + "}" if slots else "{}", picker(ordered), "", picker([]))
    return _Template("".join(slots[:at]) + slots[at][:-2], picker(ordered[:at]), "".join(slots[at + 1:]) + "}",
                     picker(ordered[at + 1:]))


V = TypeVar("V")


def picker(keys: list[str]) -> Callable[[dict[str, V]], tuple[V, ...]]:
    """What takes ``keys``' values from a dict, as a tuple (also of one key, or of none)."""
    if len(keys) > 1:
        return operator.itemgetter(*keys)
    if keys:
        key = keys[0]
        return lambda parts: (parts[key],)
    return lambda parts: ()


class _Layout(NamedTuple):
    keys_before: list[str]
    heads_before: list[bytes]  # what precedes each value: "{" or ",", the key, ":"
    hole_head: bytes
    keys_after: list[str]
    heads_after: list[bytes]


@functools.lru_cache(maxsize=256)
def _layout(keys: tuple[str, ...]) -> tuple[list[str], list[bytes]]:
    """``keys`` in canonical order, each with what precedes its value ("{" or ",", the key, ":"), made once
    per set of keys (records of one kind share a few)."""
    ordered = sorted(keys)
    return ordered, [(b"," if index else b"{") + _quote(key).encode("utf-8") + b":" for index, key in enumerate(ordered)]


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
