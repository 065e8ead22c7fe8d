"""An SQLite database from a disk image, opened in memory with its write-ahead log applied.

Browser databases are evidence: a plaintext copy must never land on a persistent
disk, not even as a temp file. Python's sqlite3 opens a database image held in
memory (``Connection.deserialize``), which needs no file at all and works the
same on every platform; a tmpfs would need one (and Windows has none), and an
encrypted temp file would need a VFS that the standard library does not offer.
Memory is bounded by :data:`MAX_BYTES`: a larger database is not parsed (the
caller says so), it stays in the vault as the file it is.

``deserialize`` has no write-ahead log, so the log's committed frames are
applied here, as SQLite's own recovery does it (https://www.sqlite.org/fileformat2.html#walformat):
frames whose salts match the header and whose running checksum holds, up to the
last commit frame; later or invalid frames are left out, as SQLite would.
"""

from __future__ import annotations

import sqlite3
import struct

MAX_BYTES = 256 << 20  # database + log held in memory at once, at most
_WAL_MAGIC = (0x377F0682, 0x377F0683)  # little- / big-endian checksums
_HEADER = 32
_FRAME_HEADER = 24


def _checksum(data: bytes, big_endian: bool, s0: int = 0, s1: int = 0) -> tuple[int, int]:
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def apply_wal(db: bytes, wal: bytes) -> tuple[bytes, int]:
    """The database image with the log's committed frames applied, and how many frames were applied."""
    if len(wal) < _HEADER:
        return db, 0
    magic, _version, page_size, _seq, salt1, salt2, ck1, ck2 = struct.unpack_from(">8I", wal, 0)
    if magic not in _WAL_MAGIC or page_size < 512 or page_size & (page_size - 1) or page_size > 65536:
        return db, 0
    big = magic == _WAL_MAGIC[1]
    s0, s1 = _checksum(wal[:24], big)
    if (s0, s1) != (ck1, ck2):
        return db, 0
    pages: dict[int, bytes] = {}
    committed: dict[int, bytes] = {}
    size_pages = None
    applied = 0
    at = _HEADER
    while at + _FRAME_HEADER + page_size <= len(wal):
        pgno, commit, f_salt1, f_salt2, f_ck1, f_ck2 = struct.unpack_from(">6I", wal, at)
        if (f_salt1, f_salt2) != (salt1, salt2) or pgno == 0:
            break
        page = wal[at + _FRAME_HEADER:at + _FRAME_HEADER + page_size]
        s0, s1 = _checksum(wal[at:at + 8], big, s0, s1)
        s0, s1 = _checksum(page, big, s0, s1)
        if (s0, s1) != (f_ck1, f_ck2):
            break
        pages[pgno] = page
        if commit:
            committed.update(pages)
            applied += len(pages)
            pages = {}
            size_pages = commit
        at += _FRAME_HEADER + page_size
    if size_pages is None:
        return db, 0
    image = bytearray(db[: size_pages * page_size].ljust(size_pages * page_size, b"\x00"))
    for pgno, page in committed.items():
        if pgno <= size_pages:
            image[(pgno - 1) * page_size:pgno * page_size] = page
    return bytes(image), applied


def open_in_memory(db: bytes, wal: bytes | None = None) -> sqlite3.Connection:
    """A read-only-in-practice connection to the database image (log applied), in memory only."""
    image = apply_wal(db, wal)[0] if wal else db
    if len(image) >= 20 and image[18:20] == b"\x02\x02":
        image = image[:18] + b"\x01\x01" + image[20:]  # WAL mode needs a -wal file; the log is applied already
    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(image)
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.Error:
        conn.close()
        raise
    return conn
