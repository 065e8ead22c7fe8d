"""mbox files split into messages in one streaming pass, with bounded memory.

A message starts at a line beginning ``From `` that opens the file or follows an
empty line (the mboxo/mboxrd convention); its bytes run to the empty line before
the next such line, as Python's :mod:`mailbox` and mutt cut them, so the bytes
stored for a message are exactly the file's bytes between those points (``>From``
quoting kept: nothing is rewritten). The ``From `` line itself (envelope sender
and date written by the delivering agent) is recorded with the message's offset
and length, so anyone can find the same bytes again. A file cut off in the middle
of a message yields that message as far as it goes, marked ``truncated``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 4 * 1024 * 1024
SEPARATOR = b"From "


@dataclass(frozen=True)
class Span:
    """One message in the file: its bytes are ``[start, end)``; ``from_line`` precedes ``start``."""

    index: int
    from_offset: int
    start: int
    end: int
    from_line: bytes
    ends_file: bool

    @property
    def length(self) -> int:
        return self.end - self.start


def looks_like_mbox(head: bytes) -> bool:
    return head.startswith(SEPARATOR) and b"\n" in head[:1024]


def spans(scan: BinaryIO, reader: BinaryIO, size: int, *, chunk: int = CHUNK) -> Iterator[Span]:
    """Every message of an mbox in file order: ``scan`` is read once, ``chunk`` at a time, to find the
    separators; ``reader`` (another handle on the same file) reads each ``From `` line."""
    previous: int | None = None
    index = 0
    for offset in _separators(scan, chunk):
        if previous is not None:
            yield _span(reader, index, previous, offset, size)
            index += 1
        previous = offset
    if previous is not None:
        yield _span(reader, index, previous, size, size)


def _span(handle: object, index: int, from_offset: int, next_offset: int, size: int) -> Span:
    line = _read_line(handle, from_offset)
    start = from_offset + len(line)
    end = next_offset
    if next_offset < size or next_offset == size:
        # the empty line separating this message from the next (or ending the file) is not part of it
        if end - start >= 2 and _peek(handle, end - 2, 2) == b"\n\n":
            end -= 1
        elif end - start >= 4 and _peek(handle, end - 4, 4) == b"\r\n\r\n":
            end -= 2
    return Span(index, from_offset, start, max(start, end), line.rstrip(b"\r\n"), next_offset == size)


def _peek(handle: object, offset: int, length: int) -> bytes:
    handle.seek(offset)  # type: ignore[attr-defined]
    return handle.read(length)  # type: ignore[attr-defined, no-any-return]


def _read_line(handle: object, offset: int) -> bytes:
    handle.seek(offset)  # type: ignore[attr-defined]
    return handle.readline(64 * 1024)  # type: ignore[attr-defined, no-any-return]


def _separators(handle: BinaryIO, chunk: int) -> Iterator[int]:
    """Offsets of the ``From `` lines that start messages (at the file's start or after an empty line)."""
    base = 0
    tail = b""  # the last bytes of the previous chunk, to see separators across chunk edges
    first = handle.read(len(SEPARATOR))
    if first == SEPARATOR:
        yield 0
    handle.seek(0)
    while True:
        block = handle.read(chunk)
        if not block:
            return
        data = tail + block
        origin = base - len(tail)
        position = 0
        while True:
            found = data.find(b"\nFrom ", position)
            if found < 0:
                break
            line_start = found + 1
            fresh = found + 6 > len(tail)  # a match wholly inside the carried tail was seen last time
            if fresh and _after_empty_line(data, found) and origin + line_start > 0:
                yield origin + line_start
            position = found + 1
        base += len(block)
        tail = data[-8:]


def _after_empty_line(data: bytes, newline: int) -> bool:
    """Is the line ending at ``data[newline]`` empty (``\\n\\n`` or ``\\r\\n\\r\\n``)?"""
    if newline >= 1 and data[newline - 1:newline] == b"\n":
        return True
    return newline >= 3 and data[newline - 3:newline + 1] == b"\r\n\r\n"


def read_span(handle: object, span: Span) -> bytes:
    handle.seek(span.start)  # type: ignore[attr-defined]
    return handle.read(span.length)  # type: ignore[attr-defined, no-any-return]
