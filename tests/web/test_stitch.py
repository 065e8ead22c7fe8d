"""Stitching tall-page tiles without a browser: the pixels row for row whatever filters the tiles' PNGs use,
tiles cut out of one taller shot, one valid zlib stream, damaged tiles refused with no partial file left."""

from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from collectors.web.stitch import PngStitcher, adler32_combine, stitch_png

WIDTH = 29  # odd on purpose: rows of 87 bytes


def _filtered(kind: int, row: bytes, prior: bytes, bpp: int = 3) -> bytes:
    out = bytearray(len(row))
    for i, value in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prior[i]
        c = prior[i - bpp] if i >= bpp else 0
        if kind == 0:
            predicted = 0
        elif kind == 1:
            predicted = a
        elif kind == 2:
            predicted = b
        elif kind == 3:
            predicted = (a + b) >> 1
        else:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            predicted = a if pa <= pb and pa <= pc else b if pb <= pc else c
        out[i] = (value - predicted) & 0xFF
    return bytes([kind]) + bytes(out)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _tile(path: Path, rows: list[bytes], first_filter: int, rng: random.Random) -> None:
    """An 8-bit RGB PNG whose first row uses ``first_filter`` and the others any filter, in two IDAT chunks."""
    data, prior = bytearray(), bytes(len(rows[0]))
    for index, row in enumerate(rows):
        data += _filtered(first_filter if index == 0 else rng.randrange(5), row, prior)
        prior = row
    stream = zlib.compress(bytes(data), 9)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, len(rows), 8, 2, 0, 0, 0))
                     + _chunk(b"IDAT", stream[:50]) + _chunk(b"IDAT", stream[50:]) + _chunk(b"IEND", b""))


def _rows(rng: random.Random, count: int) -> list[bytes]:
    return [bytes(rng.randrange(256) if rng.random() < 0.4 else (y * 7 + x) % 256 for x in range(WIDTH * 3))
            for y in range(count)]


def _pixels(path: Path) -> bytes:
    with Image.open(path) as im:
        assert im.mode == "RGB"
        return im.tobytes()


def _zlib_stream(path: Path) -> bytes:
    """The PNG's image data inflated by zlib itself (which checks the stream's Adler-32)."""
    data, pos, idat = path.read_bytes(), 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return zlib.decompress(idat)


def test_first_rows_filtered_against_the_row_above(tmp_path: Path) -> None:
    rng = random.Random(7)
    tiles, expected = [], b""
    for index, first_filter in enumerate([0, 1, 2, 3, 4, 3, 2]):  # every filter a tile's first row may use
        rows = _rows(rng, 5 + index)
        tile = tmp_path / f"tile-{index}.png"
        _tile(tile, rows, first_filter, rng)
        assert _pixels(tile) == b"".join(rows)
        tiles.append(tile)
        expected += b"".join(rows)
    full = tmp_path / "full.png"
    assert stitch_png(tiles, full) == (WIDTH, len(expected) // (WIDTH * 3))
    assert _pixels(full) == expected
    assert len(_zlib_stream(full)) == len(expected) + len(expected) // (WIDTH * 3)  # one stream, checksum right


def test_tiles_cut_out_of_one_shot_and_other_formats(tmp_path: Path) -> None:
    rng = random.Random(3)
    shot = Image.frombytes("RGB", (WIDTH, 300), bytes(rng.randrange(256) for _ in range(WIDTH * 3 * 300)))
    encoded = io.BytesIO()
    shot.save(encoded, "PNG")
    rgba, palette = tmp_path / "rgba.png", tmp_path / "palette.png"
    Image.new("RGBA", (WIDTH, 4), (10, 20, 30, 255)).save(rgba)
    Image.new("P", (WIDTH, 3), 5).save(palette)
    full = tmp_path / "full.png"
    stitcher = PngStitcher(full, ahead=1)
    stitcher.add_split(encoded.getvalue(), [(tmp_path / "a.png", 120), (tmp_path / "b.png", 180)])
    stitcher.add(rgba)
    stitcher.add(palette)
    assert stitcher.close() == (WIDTH, 307)
    assert _pixels(tmp_path / "a.png") == shot.crop((0, 0, WIDTH, 120)).tobytes()
    assert _pixels(tmp_path / "b.png") == shot.crop((0, 120, WIDTH, 300)).tobytes()
    with Image.open(palette) as im:
        tail = im.convert("RGB").tobytes()
    assert _pixels(full) == shot.tobytes() + bytes([10, 20, 30]) * WIDTH * 4 + tail
    _zlib_stream(full)
    assert not list(tmp_path.glob("*.part"))


def test_damaged_or_mismatched_tiles_leave_no_file(tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    Image.new("RGB", (WIDTH, 40), (1, 2, 3)).save(good)
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[:-30])  # the end of the image data is missing
    with pytest.raises(ValueError, match="cut.png"):
        stitch_png([good, cut], tmp_path / "full.png")
    assert not (tmp_path / "full.png").exists()
    stitcher = PngStitcher(tmp_path / "split.png")
    with pytest.raises(ValueError, match="cannot be cut"):
        stitcher.add_split(good.read_bytes(), [(tmp_path / "x.png", 10), (tmp_path / "y.png", 10)])
        stitcher.close()
    assert not (tmp_path / "split.png").exists() and not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("first, second", [(0, 0), (1, 5), (70_000, 3), (100, 200_000), (65_521, 65_521)])
def test_adler32_combine(first: int, second: int) -> None:
    rng = random.Random(first + second)
    a, b = rng.randbytes(first), rng.randbytes(second)
    assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)
