"""A file's (or one stream's) content as a read-only binary stream, for the vault to ingest.

The vault hashes and encrypts whatever it reads in one pass; this reader only
turns TSK's ``read_random`` into ``read(n)`` and remembers how the read ended, so
a read error on a damaged or overwritten file becomes a recorded shortfall
(``recovery: possibly incomplete``) rather than invented bytes or a lost item.
A read that ends with no bytes and no error is something else: the file system
stores nothing there (a sparse or never-written stream, such as NTFS's
``$BadClus:$Bad``, whose initialised size is 0), which is said as such.
"""

from __future__ import annotations

import io
from typing import Any

import pytsk3

from .entries import NTFS_DATA, Entry

CHUNK = 1 << 20


class StreamReader(io.RawIOBase):
    def __init__(self, tsk_file: Any, entry: Entry) -> None:
        super().__init__()
        self._file = tsk_file
        self.size = entry.size
        self.offset = 0
        self.error: str | None = None
        self.not_stored_from: int | None = None  # TSK gave no bytes (and no error) from here on
        stream = entry.stream
        self._attr = (stream.type, stream.id) if stream is not None and stream.type == NTFS_DATA else None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.error is not None or self.not_stored_from is not None or self.offset >= self.size:
            return b""
        want = self.size - self.offset if size is None or size < 0 else min(size, self.size - self.offset)
        try:
            if self._attr is not None:
                data = self._file.read_random(self.offset, want, self._attr[0], self._attr[1],
                                              pytsk3.TSK_FS_FILE_READ_FLAG_NONE)
            else:
                data = self._file.read_random(self.offset, want)
        except OSError as exc:
            self.error = f"read error at offset {self.offset}: {str(exc).strip().splitlines()[-1][:160]}"
            return b""
        if not data:  # not an error: nothing is stored there (e.g. NTFS beyond the initialised size)
            self.not_stored_from = self.offset
            return b""
        self.offset += len(data)
        return bytes(data)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    @property
    def short(self) -> bool:
        return self.offset < self.size
