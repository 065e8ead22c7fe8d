"""File names that are safe to write anywhere; the original is always kept in metadata.

Evidence names come from suspects' disks and web pages: ``../``, ``/``, NUL,
control characters, Windows-reserved names (``CON``, ``LPT1``) and names longer
than a file system allows must never escape the output folder or fail a write.
"""

from __future__ import annotations

import re
import unicodedata

_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_BAD = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
MAX_BYTES = 200  # leaves room for a de-duplicating suffix within 255 bytes
# Unicode categories a reader cannot see: controls, format characters (bidi overrides, zero-width joiners),
# private use, surrogates, unassigned code points, line and paragraph separators
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


def is_hidden(ch: str) -> bool:
    """True for a character that shows nothing (or reorders what follows it) where people read names."""
    return unicodedata.category(ch) in HIDDEN_CATEGORIES


def safe_filename(name: str, fallback: str = "unnamed") -> str:
    """A portable file name derived from ``name`` (NFC, no separators, bounded length)."""
    text = unicodedata.normalize("NFC", name.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    text = re.sub(r"\.{2,}", "_", _BAD.sub("_", text)).strip(" .")
    if not text or set(text) <= {"_", "."}:
        text = fallback
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    ext = ext[:16]
    suffix = f".{ext}" if ext else ""
    budget = MAX_BYTES - len(suffix.encode("utf-8"))
    encoded = stem.encode("utf-8")
    if len(encoded) > budget:
        stem = encoded[:budget].decode("utf-8", "ignore")
    return stem + suffix


def display_name(raw: bytes) -> str:
    """Readable, lossless form of a raw (possibly non-UTF-8) name: bad bytes as \\xNN."""
    return raw.decode("utf-8", "backslashreplace")
