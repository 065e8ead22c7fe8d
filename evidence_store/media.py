"""Media types from content first, then the name (a renamed file keeps its true type)."""

from __future__ import annotations

import mimetypes

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"\x1f\x8b", 0, "application/gzip"),
    (b"SQLite format 3\x00", 0, "application/vnd.sqlite3"),
    (b"EVF\x09\x0d\x0a\xff\x00", 0, "application/x-ewf"),
    (b"WARC/1.", 0, "application/warc"),
    (b"\x1aE\xdf\xa3", 0, "video/webm"),
    (b"ftyp", 4, "video/mp4"),
    (b"RIFF", 0, "application/octet-stream"),
)


def sniff(head: bytes, name: str = "") -> str:
    """Best media type for content starting with ``head`` and called ``name``."""
    for magic, offset, media_type in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            if media_type == "application/zip" and name.lower().endswith((".wacz", ".docx", ".xlsx", ".odt")):
                break
            if media_type == "application/octet-stream":
                if head[8:12] == b"WEBP":
                    return "image/webp"
                break
            return media_type
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if guessed:
        return guessed
    if name.lower().endswith(".wacz"):
        return "application/wacz"
    if name.lower().endswith(".mhtml"):
        return "multipart/related"
    if head and _looks_like_text(head):
        return "text/plain"
    return "application/octet-stream"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a multi-byte character cut at the end
    return True
