"""Facts of an NTFS attribute that pytsk3 does not expose, read from the MFT record itself.

pytsk3's attribute object has the data size but not the *initialised* size: a
stream may record 8 MiB (``$BadClus:$Bad`` records the whole volume) of which
nothing was ever written. Reading it returns no bytes and no error; to say why
truthfully we read the record (``$MFT`` entry N, update-sequence fix-ups
applied) and take the non-resident header's sizes.
"""

from __future__ import annotations

import struct
from typing import Any

_END = 0xFFFFFFFF


def record_size(read_boot: bytes) -> int:
    """Bytes per MFT record from the boot sector (a negative value means 2**-n bytes)."""
    bytes_per_sector, sectors_per_cluster = struct.unpack_from("<HB", read_boot, 11)
    raw = struct.unpack_from("<b", read_boot, 64)[0]
    return 1 << -raw if raw < 0 else raw * bytes_per_sector * sectors_per_cluster


def _fixed_up(record: bytearray) -> bytearray | None:
    if record[:4] != b"FILE":
        return None
    usa_offset, usa_count = struct.unpack_from("<HH", record, 4)
    for index in range(1, usa_count):
        end = index * 512
        if end > len(record) or usa_offset + index * 2 + 2 > len(record):
            return None
        record[end - 2:end] = record[usa_offset + index * 2:usa_offset + index * 2 + 2]
    return record


def attribute_sizes(fs: Any, boot: bytes, inode: int, attr_type: int, attr_id: int) -> dict[str, int] | None:
    """``{"allocated", "size", "initialised"}`` of a non-resident attribute in the base MFT record, else None."""
    try:
        size = record_size(boot)
        if not 256 <= size <= 65536:
            return None
        data = fs.open_meta(inode=0).read_random(inode * size, size)
    except (OSError, struct.error):
        return None
    record = _fixed_up(bytearray(data)) if len(data) == size else None
    if record is None:
        return None
    at = struct.unpack_from("<H", record, 20)[0]
    while at + 16 <= len(record):
        kind, length = struct.unpack_from("<II", record, at)
        if kind == _END or length < 16:
            return None
        non_resident, ident = record[at + 8], struct.unpack_from("<H", record, at + 14)[0]
        if kind == attr_type and ident == attr_id and non_resident and at + 64 <= len(record):
            allocated, real, initialised = struct.unpack_from("<QQQ", record, at + 40)
            return {"allocated": allocated, "size": real, "initialised": initialised}
        at += length
    return None


def _file_name(record: bytearray) -> str | None:
    """The first $FILE_NAME (type 0x30) of a fixed-up record, for messages."""
    at = struct.unpack_from("<H", record, 20)[0]
    while at + 24 <= len(record):
        kind, length = struct.unpack_from("<II", record, at)
        if kind == _END or length < 24:
            return None
        if kind == 0x30 and not record[at + 8]:
            value = at + struct.unpack_from("<H", record, at + 20)[0]
            count = record[value + 64] if value + 66 <= len(record) else 0
            return bytes(record[value + 66:value + 66 + 2 * count]).decode("utf-16-le", "replace")
        at += length
    return None


def unreadable_records(fs: Any, boot: bytes, cancel: Any = None) -> list[tuple[int, str | None, str]]:
    """MFT records that hold a file (``FILE`` signature, base record) but that TSK cannot open.

    TSK leaves such a file out of every directory listing without a word (fls too); the
    caller turns each into a warning so the gap is said. (entry, name, TSK's error) each.
    """
    try:
        size = record_size(boot)
        mft = fs.open_meta(inode=0)
        total = int(mft.info.meta.size)
    except (OSError, struct.error):
        return []
    if not 256 <= size <= 65536:
        return []
    found: list[tuple[int, str | None, str]] = []
    chunk = max(size, (1 << 20) // size * size)
    for start in range(0, total, chunk):
        if cancel is not None:
            cancel.check()
        try:
            data = mft.read_random(start, min(chunk, total - start))
        except OSError:
            break
        for at in range(0, len(data) - size + 1, size):
            if data[at:at + 4] != b"FILE" or struct.unpack_from("<Q", data, at + 32)[0] & 0xFFFFFFFFFFFF:
                continue  # never used, or an extension record (opened with its base)
            entry = (start + at) // size
            try:
                fs.open_meta(inode=entry)
            except OSError as exc:
                record = _fixed_up(bytearray(data[at:at + size]))
                text = " ".join(str(exc).split()).split("Unable to open file: ", 1)[-1]
                reason = text[:200] or type(exc).__name__
                found.append((entry, _file_name(record) if record is not None else None, reason))
    return found
