"""How names from a disk are shown to people: one documented, reversible escaping.

A suspect's disk may hold names with control characters (``ESC[8m`` hides text,
``\\r`` rewrites a line), bytes that are not UTF-8, or the separators of our own
formats (``|`` in a body file). Human output (the text listing, messages, body
files) shows every such byte as ``\\xNN`` and a backslash as ``\\\\``; everything
else is the UTF-8 text itself. The escaping is reversible (:func:`unescape_name`
gives the raw bytes back), so a body-file line still names exactly one file.
JSON keeps the exact name (JSON escapes control characters itself) and, when the
name is not UTF-8, its raw bytes in hex.

``fls`` prints control characters as ``^`` (not reversible) and other bytes raw;
:func:`fls_form` turns our form into that one, for comparisons with TSK.
"""

from __future__ import annotations

import re
from functools import lru_cache

_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")
_ESCAPE = re.compile(rb"\\(\\|x[0-9a-f]{2})")


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    return "\\\\" if char == "\\" else f"\\x{ord(char):02x}"


@lru_cache(maxsize=8)
def _pattern(extra: str) -> re.Pattern[str]:
    return re.compile("[\\x00-\\x1f\\x7f\\\\" + re.escape(extra) + "]")


def escape_name(raw: bytes, extra: str = "") -> str:
    """``raw`` for people: control characters, DEL, non-UTF-8 bytes and ``\\`` escaped (plus ``extra``)."""
    try:
        text, valid = raw.decode("utf-8"), True
    except UnicodeDecodeError:
        text, valid = raw.decode("utf-8", "surrogateescape"), False
    pattern = _pattern(extra) if extra else _CONTROL
    text = pattern.sub(_escape_char, text) if pattern.search(text) else text
    if not valid:
        text = "".join(f"\\x{ord(c) - 0xDC00:02x}" if "\udc80" <= c <= "\udcff" else c for c in text)
    return text


def unescape_name(text: str) -> bytes:
    """The raw bytes an :func:`escape_name` result stands for."""
    encoded = text.encode("utf-8")
    return _ESCAPE.sub(lambda m: b"\\" if m.group(1) == b"\\" else bytes([int(m.group(1)[1:], 16)]), encoded)


def needs_escape(raw: bytes) -> bool:
    """Whether the exact name cannot be shown as it is (JSON then also carries its bytes)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return bool(_CONTROL.search(text.replace("\\", "")))


def fls_form(raw: bytes) -> bytes:
    """The name as ``fls`` prints it: bytes below 0x20 as ``^``, every other byte as it is."""
    return bytes(0x5E if b < 0x20 else b for b in raw)
