"""Volume labels and a few facts TSK's FS_Info does not expose, read from the raw structures."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

Read = Callable[[int, int], bytes]


def fs_family(ftype: int) -> str:
    """Coarse family (ntfs, fat, exfat, ext, hfs, iso9660, ...) of a TSK file-system type."""
    import pytsk3

    value = int(ftype)
    if value == int(pytsk3.TSK_FS_TYPE_EXFAT):
        return "exfat"
    families = (
        ("ntfs", pytsk3.TSK_FS_TYPE_NTFS_DETECT), ("fat", pytsk3.TSK_FS_TYPE_FAT_DETECT),
        ("ext", pytsk3.TSK_FS_TYPE_EXT_DETECT), ("hfs", pytsk3.TSK_FS_TYPE_HFS_DETECT),
        ("iso9660", pytsk3.TSK_FS_TYPE_ISO9660_DETECT), ("ffs", pytsk3.TSK_FS_TYPE_FFS_DETECT),
        ("yaffs2", pytsk3.TSK_FS_TYPE_YAFFS2_DETECT), ("apfs", pytsk3.TSK_FS_TYPE_APFS_DETECT),
    )
    for name, mask in families:
        if value & int(mask):
            return name
    return "other"


def fs_type_name(ftype: int) -> str:
    import pytsk3

    for name in dir(pytsk3.TSK_FS_TYPE_ENUM):
        if name.startswith("TSK_FS_TYPE_") and not name.endswith("DETECT") and int(getattr(pytsk3, name)) == int(ftype):
            return name[len("TSK_FS_TYPE_"):].lower()
    return f"type {int(ftype):#x}"


def _text(raw: bytes, encoding: str = "ascii") -> str | None:
    text = raw.decode(encoding, "replace").rstrip("\x00 ").strip()
    return text or None


def ext_facts(read: Read) -> dict[str, Any]:
    sb = read(1024, 1024)
    if len(sb) < 256 or sb[56:58] != b"\x53\xef":
        return {}
    rev = struct.unpack_from("<I", sb, 76)[0]
    inode_size = struct.unpack_from("<H", sb, 88)[0] if rev >= 1 else 128
    return {"label": _text(sb[120:136], "utf-8"), "inode_size": inode_size,
            "uuid": sb[104:120].hex()}


def fat_facts(read: Read) -> dict[str, Any]:
    boot = read(0, 512)
    if len(boot) < 512:
        return {}
    fat32 = struct.unpack_from("<H", boot, 22)[0] == 0  # sectors per FAT (16-bit) is 0 on FAT32
    label_at, serial_at = (71, 67) if fat32 else (43, 39)
    label = _text(boot[label_at:label_at + 11], "cp1252")
    return {"label": None if label == "NO NAME" else label,
            "serial": f"{struct.unpack_from('<I', boot, serial_at)[0]:08X}"}


def iso_facts(read: Read) -> dict[str, Any]:
    pvd = read(16 * 2048, 2048)
    if pvd[1:6] != b"CD001":
        return {}
    return {"label": _text(pvd[40:72])}


def exfat_facts(read: Read) -> dict[str, Any]:
    """The label is a directory entry (type 0x83) of the root directory, in UTF-16LE."""
    boot = read(0, 512)
    if len(boot) < 512 or boot[3:11] != b"EXFAT   ":
        return {}
    fat_offset, _fat_length, heap_offset, _count, root_cluster, serial = struct.unpack_from("<IIIIII", boot, 80)
    sector = 1 << boot[108]
    cluster = sector << boot[109]
    facts: dict[str, Any] = {"label": None, "serial": f"{serial:08X}"}
    seen: set[int] = set()
    number = root_cluster
    while 2 <= number < 0xFFFFFFF7 and number not in seen and len(seen) < 64:
        seen.add(number)
        data = read(heap_offset * sector + (number - 2) * cluster, cluster)
        for at in range(0, len(data) - 31, 32):
            kind = data[at]
            if kind == 0x00:  # end of the directory
                return facts
            if kind == 0x83:
                count = min(data[at + 1], 11)
                facts["label"] = _text(data[at + 2:at + 2 + 2 * count], "utf-16-le")
                return facts
        entry = read(fat_offset * sector + number * 4, 4)
        if len(entry) < 4:
            break
        number = struct.unpack("<I", entry)[0]
    return facts


def hfs_facts(fs: Any, read: Read) -> dict[str, Any]:
    """HFS+/HFSX: the volume name is the name of the root folder's record (parent id 1) in the catalog."""
    header = read(1024, 512)
    if header[:2] not in (b"H+", b"HX"):
        return {}
    try:
        catalog = fs.open_meta(inode=4)
        node0 = catalog.read_random(0, 512)
        first_leaf = struct.unpack_from(">I", node0, 14 + 10)[0]
        node_size = struct.unpack_from(">H", node0, 14 + 18)[0]
        node = catalog.read_random(first_leaf * node_size, node_size)
    except (OSError, struct.error):
        return {"label": None}
    if len(node) < node_size or node_size < 512:
        return {"label": None}
    records = struct.unpack_from(">H", node, 10)[0]
    for index in range(records):
        at = struct.unpack_from(">H", node, node_size - 2 * (index + 1))[0]
        key_length, parent = struct.unpack_from(">HI", node, at)
        name_length = struct.unpack_from(">H", node, at + 6)[0]
        name = node[at + 8:at + 8 + 2 * name_length]
        kind = struct.unpack_from(">h", node, at + 2 + key_length)[0]
        if parent == 1 and kind == 1:  # the root folder's own record: its name is the volume's
            return {"label": _text(name, "utf-16-be"), "signature": header[:2].decode()}
        if parent > 2:
            break
    return {"label": None, "signature": header[:2].decode()}


def ntfs_label(fs: Any) -> str | None:
    """$Volume (MFT entry 3) holds the label in its $VOLUME_NAME attribute (type 0x60)."""
    try:
        volume = fs.open_meta(inode=3)
        for attr in volume:
            if int(attr.info.type) == 0x60:
                data = volume.read_random(0, attr.info.size, attr.info.type, attr.info.id)
                return _text(data, "utf-16-le")
    except OSError:
        return None
    return None


def fs_facts(family: str, fs: Any, read: Read) -> dict[str, Any]:
    try:
        if family == "ext":
            return ext_facts(read)
        if family == "fat":
            return fat_facts(read)
        if family == "iso9660":
            return iso_facts(read)
        if family == "ntfs":
            return {"label": ntfs_label(fs)}
        if family == "exfat":
            return exfat_facts(read)
        if family == "hfs":
            return hfs_facts(fs, read)
    except (OSError, struct.error):
        return {}
    return {}
