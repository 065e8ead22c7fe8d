"""Header values as a reader sees them: RFC 2047 decoded, addresses listed, the Date in UTC with its offset.

Messages are parsed with the ``compat32`` policy, which keeps every header value
as it was written (undecodable bytes kept as surrogate escapes): nothing is
refolded or normalised, so what we show can be traced back to the bytes. Each
decoding problem (an undeclared 8-bit charset, an unknown charset in an encoded
word, a Date that cannot be read) is returned as a plain-language problem for the
caller to store as a warning with its place.
"""

from __future__ import annotations

import email.errors
import email.header
import email.utils
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

FALLBACK_CHARSET = "windows-1252"
ADDRESS_HEADERS = ("from", "to", "cc", "bcc")


def _raw_bytes(value: str) -> bytes:
    return value.encode("ascii", "surrogateescape")


def has_raw_8bit(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def decode_8bit(data: bytes) -> tuple[str, str | None]:
    """Bytes with no declared charset: UTF-8 if they are UTF-8, else a stated guess."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return data.decode(FALLBACK_CHARSET, "replace"), FALLBACK_CHARSET


def decode_value(value: Any) -> tuple[str, list[str]]:
    """A header value as text, and what could not be decoded exactly (empty when all was clean)."""
    if value is None:
        return "", []
    if isinstance(value, email.header.Header):
        value = str(value)
    text = str(value)
    problems: list[str] = []
    if has_raw_8bit(text):
        decoded, guess = decode_8bit(_raw_bytes(text))
        if guess:
            problems.append(f"8-bit bytes with no declared charset, shown as {guess} (a guess)")
        text = decoded
    if "=?" not in text:
        return _unfold(text), problems
    try:
        chunks = email.header.decode_header(text)
    except (ValueError, email.errors.HeaderParseError) as exc:
        problems.append(f"encoded words could not be read ({exc}); shown as written")
        return _unfold(text), problems
    parts: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
            continue
        try:
            parts.append(chunk.decode(charset or "ascii"))
        except LookupError:
            parts.append(chunk.decode("utf-8", "replace"))
            problems.append(f"unknown charset {charset!r} in an encoded word; read as UTF-8 with replacements")
        except UnicodeDecodeError:
            parts.append(chunk.decode(charset or "ascii", "replace"))
            problems.append(f"bytes not valid in the declared charset {charset!r}; replaced where invalid")
    return _unfold("".join(parts)), problems


def _unfold(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n ", " ").replace("\n\t", " ").replace("\n", " ").strip()


def address_list(values: list[str]) -> tuple[list[str], list[str]]:
    """``Name <addr>`` for each address in these header values (groups flattened)."""
    problems: list[str] = []
    decoded = []
    for value in values:
        text, found = decode_value(value)
        problems += found
        decoded.append(text)
    out = []
    for name, addr in email.utils.getaddresses(decoded):
        if not name and not addr:
            continue
        out.append(f"{name} <{addr}>" if name and addr else (addr or name))
    if decoded and not out and any(v.strip() for v in decoded):
        problems.append("no address could be read")
    return out, problems


def parse_date(raw: str | None) -> tuple[dict[str, Any], str | None]:
    """``{"date": UTC ISO or None, "date_header": raw, "utc_offset": "+07:00" or None}`` and a problem."""
    if raw is None:
        return {"date": None, "date_header": None, "utc_offset": None}, None
    text, _ = decode_value(raw)
    base = {"date": None, "date_header": text, "utc_offset": None}
    try:
        parsed = email.utils.parsedate_tz(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        return base, f"the Date header {text!r} cannot be read as a date"
    offset = parsed[9]
    try:
        naive = datetime(*parsed[:6])  # type: ignore[misc]
    except (ValueError, OverflowError):
        return base, f"the Date header {text!r} names an impossible date"
    problem = None
    if offset is None:
        offset_text = None
        problem = f"the Date header {text!r} has no time zone; read as UTC (an assumption)"
        offset = 0
    elif offset == 0 and "-0000" in text:
        offset_text = "-00:00"  # RFC 5322: UTC, the sender's local zone unknown
    else:
        sign = "-" if offset < 0 else "+"
        minutes = abs(offset) // 60
        offset_text = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    utc = (naive - timedelta(seconds=offset)).replace(tzinfo=UTC)
    base.update(date=utc.strftime("%Y-%m-%dT%H:%M:%SZ"), utc_offset=offset_text)
    return base, problem


def id_list(value: str | None) -> list[str]:
    """Message-IDs in References/In-Reply-To, in order (``<…>`` tokens, else whitespace-separated words)."""
    if not value:
        return []
    text, _ = decode_value(value)
    found, rest = [], text
    while "<" in rest and ">" in rest.split("<", 1)[1]:
        before, after = rest.split("<", 1)
        inner, rest = after.split(">", 1)
        found.append(f"<{inner.strip()}>")
    return found or text.split()


def header_block(msg: Message) -> list[list[str]]:
    """Every header as ``[name, value as written]`` in order (8-bit bytes kept as surrogate escapes)."""
    return [[name, str(value)] for name, value in msg.raw_items()]


def raw_all(msg: Message, name: str) -> list[str]:
    """Every value of a header as written (``msg.get`` would turn undeclared 8-bit bytes into U+FFFD)."""
    lower = name.lower()
    return [str(v) for k, v in msg.raw_items() if k.lower() == lower]


def raw_get(msg: Message, name: str) -> str | None:
    values = raw_all(msg, name)
    return values[0] if values else None


def summary(msg: Message, *, folder: str | None = None, recovered: bool = False) -> tuple[dict[str, Any], list[str]]:
    """The ``message`` metadata of the data contract (without route and authenticity) and the problems seen."""
    problems: list[str] = []
    out: dict[str, Any] = {}
    date, problem = parse_date(raw_get(msg, "Date"))
    if problem:
        problems.append(problem)
    out.update(date)
    for name in ADDRESS_HEADERS:
        found, trouble = address_list(raw_all(msg, name))
        out[name] = found
        problems += [f"{name.title()}: {p}" for p in trouble]
    for key, header in (("subject", "Subject"), ("message_id", "Message-ID"), ("in_reply_to", "In-Reply-To")):
        value = raw_get(msg, header)
        if value is None:
            out[key] = None
            continue
        text, trouble = decode_value(value)
        out[key] = text
        problems += [f"{header}: {p}" for p in trouble]
    out["references"] = id_list(raw_get(msg, "References"))
    out["folder"] = folder
    out["recovered"] = recovered
    for defect in msg.defects:
        problems.append(f"header defect: {type(defect).__name__}")
    return out, problems
