"""Join screenshot tiles into one PNG, row by row, in bounded memory.

A 30,000 px page at 1280 px is 115 MB of pixels; only one tile is decoded at a
time and rows are deflated as they come, so memory stays at one tile.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import BinaryIO

from PIL import Image


def _chunk(out: BinaryIO, kind: bytes, data: bytes) -> None:
    out.write(struct.pack(">I", len(data)) + kind + data)
    out.write(struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def stitch_png(tiles: list[Path], target: Path, *, level: int = 6) -> tuple[int, int]:
    """Stack ``tiles`` (same width) top to bottom into ``target``; returns (width, height)."""
    sizes = []
    for tile in tiles:
        with Image.open(tile) as im:
            sizes.append(im.size)
    widths = {w for w, _ in sizes}
    if len(widths) != 1:
        raise ValueError(f"tiles differ in width: {sorted(widths)}")
    width, height = sizes[0][0], sum(h for _, h in sizes)
    compressor = zlib.compressobj(level)
    with open(target, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        _chunk(out, b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))  # 8-bit RGB
        for tile in tiles:
            with Image.open(tile) as im:
                raw = im.convert("RGB").tobytes()
            stride = width * 3
            rows = bytearray()
            for offset in range(0, len(raw), stride):
                rows += b"\x00" + raw[offset:offset + stride]
                if len(rows) >= 1 << 20:
                    _flush(out, compressor.compress(bytes(rows)))
                    rows.clear()
            _flush(out, compressor.compress(bytes(rows)))
            del raw
        _flush(out, compressor.flush())
        _chunk(out, b"IEND", b"")
    return width, height


def _flush(out: BinaryIO, data: bytes) -> None:
    if data:
        _chunk(out, b"IDAT", data)
