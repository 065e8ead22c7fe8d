"""Damaged copies of a real NTFS image (DFTT #7), for the silent gaps a damaged disk can open.

Each helper finds the structure it breaks through TSK (the MFT record's place on
disk from $MFT's runs), so nothing depends on offsets typed here.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytsk3


def _record_offset(image: Path, entry: int) -> int:
    fs = pytsk3.FS_Info(pytsk3.Img_Info(str(image)))
    size = 1024
    block = int(fs.info.block_size)
    for attr in fs.open_meta(inode=0):
        if int(attr.info.type) == 128:
            for run in attr:
                first, count = int(run.offset) * block, int(run.len) * block
                if first <= entry * size < first + count:
                    return int(run.addr) * block + entry * size - first
    raise AssertionError(f"MFT entry {entry} not found")


def _attribute(data: bytearray, record: int, kind: int) -> int:
    at = record + struct.unpack_from("<H", data, record + 20)[0]
    while True:
        found, length = struct.unpack_from("<II", data, at)
        if found == kind:
            return at
        assert found != 0xFFFFFFFF and length, f"attribute {kind:#x} not found"
        at += length


def bitmap_sizes_damaged(source: Path, target: Path) -> None:
    """$Bitmap's record says 8192 bytes; only its one cluster (1024 bytes) is stored: it cannot be read whole."""
    data = bytearray(source.read_bytes())
    at = _attribute(data, _record_offset(source, 6), 0x80)
    struct.pack_into("<QQQ", data, at + 40, 8192, 8192, 8192)
    target.write_bytes(bytes(data))


def run_list_damaged(source: Path, target: Path, entry: int) -> None:
    """MFT entry ``entry``'s $DATA run list starts with an impossible run: TSK cannot open the file."""
    data = bytearray(source.read_bytes())
    record = _record_offset(source, entry)
    at = _attribute(data, record, 0x80)
    assert data[at + 8], "the $DATA attribute must be non-resident"
    runs = at + struct.unpack_from("<H", data, at + 32)[0]
    data[runs] = 0x48  # an 8-byte length and a 4-byte offset follow
    data[runs + 1:runs + 9] = b"\xff" * 8
    target.write_bytes(bytes(data))
