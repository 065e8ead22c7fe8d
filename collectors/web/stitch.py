"""Join screenshot tiles into one PNG while they arrive, on worker threads, in bounded memory.

A 100,000 px page at 1280 px is 380 MB of pixels, so the tiles are never held
all at once. Each tile is re-deflated on a worker thread (zlib releases the GIL)
while the browser renders the next one, at most ``ahead`` tiles in flight, and
the pieces still form ONE zlib stream, as pigz builds one: every tile ends with
a sync flush (byte-aligned, not final), an empty final block closes the stream,
and the tiles' Adler-32 sums are combined.

A tile in the browser's own format (8-bit RGB, not interlaced) is not decoded:
its scanlines are inflated and deflated again as they are, filter bytes and all.
Only its first row needs care: in the tile it was filtered against a row of
zeros, in the stitched image the row above is the previous tile's last, so a
first row filtered Up or Paeth is rewritten as None or Sub (the same bytes), and
one filtered Average is unfiltered. Any other tile is decoded with Pillow.
Either way the pixels are the tiles' pixels, row for row.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Protocol

from PIL import Image

IDAT_SIZE = 1 << 20  # bytes per IDAT chunk written
PIECE = 1 << 20  # inflated bytes handled at a time
SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGB8 = (8, 2, 0, 0, 0)  # bit depth, colour type, compression, filter method, interlace of what we write
FINAL_BLOCK = zlib.compressobj(1, zlib.DEFLATED, -15).flush()  # an empty final deflate block: ends a stream
BAND_ROWS = 1024  # decoded rows filtered and deflated at a time
LEVEL = 3  # zlib level: as fast as 1 on screenshots, nearly as small as 6 (which takes twice as long)
_ADLER_BASE = 65521


def _chunk(out: Writable, kind: bytes, data: bytes) -> None:
    out.write(struct.pack(">I", len(data)) + kind + data)
    out.write(struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """Adler-32 of A+B from those of A and B (zlib's ``adler32_combine``, which Python does not expose)."""
    rem = second_length % _ADLER_BASE
    sum1 = first & 0xFFFF
    sum2 = (rem * sum1) % _ADLER_BASE
    sum1 += (second & 0xFFFF) + _ADLER_BASE - 1
    sum2 += (first >> 16) + (second >> 16) + _ADLER_BASE - rem
    return (sum1 % _ADLER_BASE) | ((sum2 % _ADLER_BASE) << 16)


class _Deflated:
    """One tile, deflated: its size, the Adler-32 and length of its scanlines, and the deflate bytes."""

    def __init__(self, width: int, height: int, adler: int, length: int, data: bytes) -> None:
        self.width, self.height, self.adler, self.length, self.data = width, height, adler, length, data


#: A tile: a PNG file, or its bytes (a screenshot held in memory); an output: a path or a writable binary file.
class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...

    def seek(self, offset: int, whence: int = ..., /) -> int: ...


Tile = Path | bytes
Sink = Path | Writable


def _open(tile: Tile) -> BinaryIO:
    return io.BytesIO(tile) if isinstance(tile, bytes) else open(tile, "rb")  # noqa: SIM115 (callers close)


def _label(tile: Tile) -> str:
    return "a screenshot tile" if isinstance(tile, bytes) else tile.name


def _png_header(path: Tile) -> tuple[int, int, tuple[int, ...]]:
    with _open(path) as handle:
        head = handle.read(33)
    if len(head) < 33 or head[:8] != SIGNATURE or head[12:16] != b"IHDR":
        raise ValueError(f"{_label(path)} is not a PNG file")
    width, height, *rest = struct.unpack(">IIBBBBB", head[16:29])
    return width, height, tuple(rest)


def _idat(path: Tile) -> Iterator[bytes]:
    """The image data of a PNG, chunk by chunk (a damaged tile fails zlib's own checksum or the length check)."""
    with _open(path) as handle:
        handle.seek(8)
        while header := handle.read(8):
            length, kind = struct.unpack(">I4s", header)
            if kind == b"IDAT":
                yield handle.read(length)
                handle.seek(4, 1)
            elif kind == b"IEND":
                return
            else:
                handle.seek(length + 4, 1)


def _first_row(rows: bytearray, bpp: int, stride: int) -> None:
    """Make a tile's first scanline (``rows[:stride]``) independent of the row above (filtered against zeros)."""
    kind = rows[0]
    if kind == 2:  # Up against zeros: the bytes are the pixels
        rows[0] = 0
    elif kind == 4:  # Paeth against zeros always predicts the left pixel: that is Sub
        rows[0] = 1
    elif kind == 3:  # Average against zeros: left // 2; unfilter it
        for i in range(1 + bpp, stride):
            rows[i] = (rows[i] + (rows[i - bpp] >> 1)) & 0xFF
        rows[0] = 0
    elif kind not in (0, 1):
        raise ValueError(f"unknown PNG filter type {kind}")


def _scanlines(path: Tile) -> Iterator[bytes]:
    """The tile's filtered scanlines, inflated a piece at a time."""
    inflater = zlib.decompressobj()
    for data in _idat(path):
        while data:
            piece = inflater.decompress(data, PIECE)
            data = inflater.unconsumed_tail
            if piece:
                yield piece
    if tail := inflater.flush():
        yield tail
    if not inflater.eof:
        raise ValueError(f"{_label(path)}: the image data ends early")


def _transcode_tile(path: Tile, width: int, height: int, level: int) -> _Deflated:
    stride = width * 3 + 1
    deflater = zlib.compressobj(level, zlib.DEFLATED, -15)  # raw deflate: the stream's header is ours
    out, adler, length, head = [], 1, 0, bytearray()
    for piece in _scanlines(path):
        if length == 0:  # hold the first row back until it is whole
            head += piece
            if len(head) < stride:
                continue
            _first_row(head, 3, stride)
            piece, head = bytes(head), bytearray()
        adler = zlib.adler32(piece, adler)
        length += len(piece)
        out.append(deflater.compress(piece))
    if length != stride * height:
        raise ValueError(f"{_label(path)}: damaged image data ({length} of {stride * height} bytes)")
    out.append(deflater.flush(zlib.Z_SYNC_FLUSH))
    return _Deflated(width, height, adler, length, b"".join(out))


def _deflate_rows(raw: memoryview, width: int, first: int, count: int, level: int) -> _Deflated:
    """Rows ``first`` to ``first + count`` of decoded RGB pixels, each behind a filter byte 0 (None), deflated a
    band at a time (a tile's rows never sit twice in memory)."""
    stride = width * 3
    deflater = zlib.compressobj(level, zlib.DEFLATED, -15)
    out, adler = [], 1
    for band in range(first, first + count, BAND_ROWS):
        rows = min(BAND_ROWS, first + count - band)
        block = bytearray(rows * (stride + 1))
        for row in range(rows):
            start = row * (stride + 1) + 1
            block[start:start + stride] = raw[(band + row) * stride:(band + row + 1) * stride]
        adler = zlib.adler32(block, adler)
        out.append(deflater.compress(block))
    out.append(deflater.flush(zlib.Z_SYNC_FLUSH))
    return _Deflated(width, count, adler, count * (stride + 1), b"".join(out))


def _decoded(image: bytes | Path) -> tuple[memoryview, int, int]:
    with Image.open(io.BytesIO(image) if isinstance(image, bytes) else image) as im:
        rgb = im if im.mode == "RGB" else im.convert("RGB")
        return memoryview(rgb.tobytes()), im.size[0], im.size[1]


def _decode_tile(path: Tile, level: int) -> list[_Deflated]:
    """Any other PNG (another bit depth, a palette, interlaced): decoded, rows written with filter None."""
    raw, width, height = _decoded(path)
    return [_deflate_rows(raw, width, 0, height, level)]


def _deflate_tile(path: Tile, level: int) -> list[_Deflated]:
    width, height, kind = _png_header(path)
    if kind == RGB8:
        return [_transcode_tile(path, width, height, level)]
    return _decode_tile(path, level)


def _split_shot(image: bytes, tiles: list[tuple[Sink, int]], level: int) -> list[_Deflated]:
    """One screenshot cut into tiles of the given heights (device pixels): each tile's deflate bytes serve
    twice, as the IDAT of its own PNG file and as its piece of the stitched stream."""
    raw, width, height = _decoded(image)
    if sum(rows for _, rows in tiles) != height:
        raise ValueError(f"a screenshot of {height} rows cannot be cut into tiles of {[r for _, r in tiles]} rows")
    parts, first = [], 0
    for path, rows in tiles:
        part = _deflate_rows(raw, width, first, rows, level)
        _write_png(path, part, level)
        parts.append(part)
        first += rows
    return parts


def _write_png(path: Sink, part: _Deflated, level: int) -> None:
    stream = zlib.compress(b"", level)[:2] + part.data + FINAL_BLOCK + struct.pack(">I", part.adler)
    out = io.BytesIO()
    out.write(SIGNATURE)
    _chunk(out, b"IHDR", struct.pack(">IIBBBBB", part.width, part.height, *RGB8))
    for start in range(0, len(stream), IDAT_SIZE):
        _chunk(out, b"IDAT", stream[start:start + IDAT_SIZE])
    _chunk(out, b"IEND", b"")
    if isinstance(path, Path):
        write_atomically(path, out.getvalue())
    else:
        path.write(out.getvalue())


def write_atomically(path: Path, data: bytes) -> None:
    """``path`` holds all of ``data`` or does not exist (a tile cut off by an error is never kept)."""
    part = path.with_name(path.name + ".part")
    try:
        part.write_bytes(data)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


class PngStitcher:
    """Stack tiles (same width, given top to bottom) into ``target`` (a path, or a writable and seekable file
    that stays the caller's): :meth:`add` each, then :meth:`close`.

    ``add`` returns once the tile is queued; it waits only when ``ahead`` tiles are already in
    flight. One caller adds the tiles (from one thread at a time). A failed tile fails the ``add``
    or ``close`` that meets it, and the partial image is removed.
    """

    def __init__(self, target: Sink, *, level: int = LEVEL, workers: int = 2, ahead: int = 2) -> None:
        self.target = target
        self.level = level
        self.ahead = max(1, ahead)
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="png-stitch")
        self.pending: deque[Future[list[_Deflated]]] = deque()
        self.out: Writable = open(target, "wb") if isinstance(target, Path) else target  # noqa: SIM115
        self.out.write(SIGNATURE + b"\0" * 25)  # the IHDR chunk, written once the size is known
        self.width: int | None = None
        self.height = 0
        self.adler = 1
        self.idat = bytearray(zlib.compress(b"", level)[:2])  # the header of the one zlib stream

    def add(self, tile: Tile) -> None:
        """The next tile, a PNG file or its bytes."""
        self._queue(self.pool.submit(_deflate_tile, tile, self.level))

    def add_split(self, image: bytes, tiles: list[tuple[Sink, int]]) -> None:
        """The next tiles, still in one PNG image (``image``): each is cut out and written to its path or file
        (with its height in pixels) as well as stitched."""
        self._queue(self.pool.submit(_split_shot, image, tiles, self.level))

    def _queue(self, job: Future[list[_Deflated]]) -> None:
        self.pending.append(job)
        try:
            while self.pending and (len(self.pending) > self.ahead or self.pending[0].done()):
                self._write(self.pending.popleft().result())
        except BaseException:
            self.abort()
            raise

    def _write(self, parts: list[_Deflated]) -> None:
        for part in parts:
            self._append(part)

    def _append(self, part: _Deflated) -> None:
        if self.width is None:
            self.width = part.width
        elif part.width != self.width:
            raise ValueError(f"tiles differ in width: {sorted({self.width, part.width})}")
        self.height += part.height
        self.adler = adler32_combine(self.adler, part.adler, part.length)
        self.idat += part.data
        self._flush(final=False)

    def _flush(self, *, final: bool) -> None:
        while len(self.idat) >= IDAT_SIZE or (final and self.idat):
            _chunk(self.out, b"IDAT", bytes(self.idat[:IDAT_SIZE]))
            del self.idat[:IDAT_SIZE]

    def close(self) -> tuple[int, int]:
        """Finish the PNG; returns (width, height). On an error the partial file is removed."""
        try:
            while self.pending:
                self._write(self.pending.popleft().result())
            if self.width is None:
                raise ValueError("no tile to stitch")
            self.idat += FINAL_BLOCK
            self.idat += struct.pack(">I", self.adler)
            self._flush(final=True)
            _chunk(self.out, b"IEND", b"")
            self.out.seek(len(SIGNATURE))
            _chunk(self.out, b"IHDR", struct.pack(">IIBBBBB", self.width, self.height, *RGB8))
        except BaseException:
            self.abort()
            raise
        if isinstance(self.out, io.IOBase):  # a file of ours (a target of the caller's stays open)
            self.out.close()
        self.pool.shutdown(wait=True)
        return self.width, self.height

    def abort(self) -> None:
        """Stop (a cancel, a failed tile): drop queued work, close and remove the partial file."""
        for future in self.pending:
            future.cancel()
        self.pending.clear()
        self.pool.shutdown(wait=True, cancel_futures=True)
        if isinstance(self.target, Path):  # a file of the caller's is the caller's to discard
            if isinstance(self.out, io.IOBase):
                self.out.close()
            self.target.unlink(missing_ok=True)


def stitch_png(tiles: list[Path], target: Path, *, level: int = LEVEL) -> tuple[int, int]:
    """Stack ``tiles`` (same width) top to bottom into ``target``; returns (width, height)."""
    stitcher = PngStitcher(target, level=level)
    try:
        for tile in tiles:
            stitcher.add(tile)
    except BaseException:
        stitcher.abort()
        raise
    return stitcher.close()
