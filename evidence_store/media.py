"""Media types from content first, then the name (a renamed file keeps its true type).

The common unambiguous signatures are matched here (a few bytes, no cost per
file when a disk image yields 100,000 of them); containers whose first bytes do
not say what they hold (ISO base media ``ftyp``: MP4, QuickTime, HEIC, AVIF,
3GP, M4A…; RIFF: WAV, AVI, WebP; ZIP-based formats) and content nothing else
recognised go to libmagic (the ``file`` command's library, through python-magic).
"""

from __future__ import annotations

import mimetypes
import posixpath
import threading
from typing import Any

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"\x1f\x8b", 0, "application/gzip"),
    (b"SQLite format 3\x00", 0, "application/vnd.sqlite3"),
    (b"EVF\x09\x0d\x0a\xff\x00", 0, "application/x-ewf"),
    (b"WARC/1.", 0, "application/warc"),
    (b"\x1aE\xdf\xa3", 0, "video/webm"),
)
_AMBIGUOUS: tuple[tuple[bytes, int], ...] = ((b"ftyp", 4), (b"RIFF", 0), (b"PK\x03\x04", 0))
_magic: Any = None
_magic_lock = threading.Lock()


def _libmagic(head: bytes) -> str | None:
    """libmagic's media type for ``head`` (None when it is not installed or says nothing useful)."""
    global _magic
    with _magic_lock:  # one libmagic handle, not thread-safe: serialised
        if _magic is None:
            try:
                import magic

                _magic = magic.Magic(mime=True)
            except (ImportError, OSError):
                _magic = False
        if _magic is False:
            return None
        try:
            found = str(_magic.from_buffer(head))
        except Exception:  # noqa: BLE001 - a sniffer failure must never stop an ingest
            return None
    return None if found in ("application/octet-stream", "application/x-empty", "inode/x-empty", "") else found


def sniff(head: bytes, name: str = "") -> str:
    """Best media type for content starting with ``head`` and called ``name``."""
    if head[:1] in _FIRST_BYTES or _OFFSET_SIGNATURES:  # most content starts with none of the signatures' bytes
        for signature, offset, media_type in _SIGNATURES:
            if head[offset:offset + len(signature)] == signature:
                return media_type
    lower = name.lower()
    if (head[:1] in _AMBIGUOUS_FIRST or any(head[offset:offset + len(sig)] == sig for sig, offset in _LATER)) and any(
            head[offset:offset + len(sig)] == sig for sig, offset in _AMBIGUOUS):
        if lower.endswith(".wacz") and head.startswith(b"PK"):
            return "application/wacz"
        found = _libmagic(head)
        if found and not (found == "application/zip" and _guess_type(name)):
            return found
    guessed = _guess_type(name)
    if guessed:
        return guessed
    if name.lower().endswith(".wacz"):
        return "application/wacz"
    if name.lower().endswith(".mhtml"):
        return "multipart/related"
    if head and _looks_like_text(head):
        return "text/plain"
    return (_libmagic(head) if head else None) or "application/octet-stream"


_FIRST_BYTES = frozenset(signature[:1] for signature, offset, _ in _SIGNATURES if offset == 0)
_OFFSET_SIGNATURES = any(offset for _, offset, _ in _SIGNATURES)
_AMBIGUOUS_FIRST = frozenset(signature[:1] for signature, offset in _AMBIGUOUS if offset == 0)
_LATER = tuple((signature, offset) for signature, offset in _AMBIGUOUS if offset)


def _guess_type(name: str) -> str | None:
    """``mimetypes.guess_type(name, strict=False)[0]``, remembered by extension where only the extension decides
    it (no URL scheme, no compression or alias suffix): a disk extraction asks for 100,000 names."""
    if ":" in name:
        return mimetypes.guess_type(name, strict=False)[0]
    extension = posixpath.splitext(name)[1]
    known = _by_extension.get(extension, _UNKNOWN)
    if known is not _UNKNOWN:
        return known  # type: ignore[return-value]
    guessed = mimetypes.guess_type(name, strict=False)[0]
    database = mimetypes._db  # type: ignore[attr-defined]  # what guess_type read (set up by that call)
    if extension.lower() not in database.suffix_map and extension not in database.encodings_map:
        if len(_by_extension) >= 4096:  # names on a disk may end in anything
            _by_extension.clear()
        _by_extension[extension] = guessed
    return guessed


_UNKNOWN = object()
_by_extension: dict[str, str | None] = {}


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a multi-byte character cut at the end
    return True
