"""APFS containers and their volumes, read with libfsapfs (pytsk3 has no binding for TSK's pool API).

TSK reads APFS only through its pool layer (``pstat``, ``fls -B <block>``), which
pytsk3 20260715 does not expose: ``FS_Info`` refuses an APFS container. The
maintained libyal reader (libfsapfs, used by dfVFS and plaso) reads the container
and its volumes; each volume becomes one partition of the image, with the same
entries, times and content interface as a TSK file system, so listing, timeline,
search, preview and extraction work unchanged. An encrypted (FileVault) volume
that is locked is reported as such, never listed as empty.

Files are listed as ``fls -B`` lists them: by inode number, depth first, in the
order of the volume's directory records. Extended attributes (resource forks
included) are not listed as streams yet, as fls does not list them either.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from evidence_store.errors import SourceError, one_line

from .entries import Entry, Stream
from .timestamps import TimePolicy

MAGIC = b"NXSB"  # container superblock, at byte 32 of block 0
DATA_STREAM = 0  # our own stream type for an APFS file's data (not an NTFS attribute type)
ROOT_INODE = 2
Read = Callable[[int, int], bytes]
_TYPES = {stat.S_IFREG: "r", stat.S_IFDIR: "d", stat.S_IFLNK: "l", stat.S_IFIFO: "p", stat.S_IFCHR: "c",
          stat.S_IFBLK: "b", stat.S_IFSOCK: "s", 0o160000: "w"}


def is_container(read: Read, offset: int) -> bool:
    return read(offset + 32, 4) == MAGIC


class RangeFile:
    """The bytes of one partition as the file object libfsapfs reads (read, seek, tell, get_size)."""

    def __init__(self, read: Read, offset: int, size: int) -> None:
        self._read, self._offset, self._size, self._position = read, offset, size, 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._size - self._position
        size = max(0, min(size, self._size - self._position))
        data = self._read(self._offset + self._position, size) if size else b""
        self._position += len(data)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._size}[whence]
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def get_size(self) -> int:
        return self._size

    def close(self) -> None:
        pass


@dataclass
class Volume:
    """One volume of a container: its handle (None when locked) and what the examiner is told of it."""

    index: int
    name: str
    identifier: str
    handle: Any
    locked: bool
    error: str | None = None


@dataclass
class Container:
    handle: Any
    identifier: str
    block_size: int
    size: int
    volumes: list[Volume]

    def close(self) -> None:
        try:
            self.handle.close()
        except OSError:
            pass


# -- the volume superblocks, read directly: whether a volume is encrypted ---------------------------
# libfsapfs says a volume is locked only when it finds a key bag it cannot open; the volume's own flag
# (APFS_FS_UNENCRYPTED clear) is what says it is encrypted, as TSK's pstat reads it. Apple's APFS
# reference: the container superblock's newest checkpoint, its object map (a B-tree of virtual object
# ids), and each volume superblock (apfs_fs_flags, apfs_volname).
_FS_UNENCRYPTED = 0x1
_BTNODE_ROOT, _BTNODE_LEAF = 0x1, 0x2


def _u(data: bytes, at: int, size: int) -> int:
    return int.from_bytes(data[at:at + size], "little")


def _block(read: Read, offset: int, block_size: int, number: int) -> bytes:
    return read(offset + number * block_size, block_size)


def _newest_superblock(read: Read, offset: int) -> bytes | None:
    first = read(offset, 4096)
    if first[32:36] != MAGIC:
        return None
    block_size = _u(first, 36, 4)
    if not 4096 <= block_size <= 65536:
        return None
    first = read(offset, block_size)
    best = first
    blocks, base = _u(first, 104, 4), _u(first, 112, 8)
    if not blocks & 0x80000000:  # a contiguous checkpoint descriptor area: take its newest superblock
        for number in range(base, base + min(blocks, 4096)):
            data = _block(read, offset, block_size, number)
            if data[32:36] == MAGIC and _u(data, 16, 8) > _u(best, 16, 8):
                best = data
    return best


def _omap_lookup(read: Read, offset: int, block_size: int, tree: int, oid: int, xid: int) -> int | None:
    """Physical block of virtual object ``oid`` (newest version not after ``xid``) in an object map tree."""
    node = _block(read, offset, block_size, tree)
    for _depth in range(16):
        flags, level, count = _u(node, 32, 2), _u(node, 34, 2), _u(node, 36, 4)
        toc_off, toc_len = _u(node, 40, 2), _u(node, 42, 2)
        keys = 56 + toc_off + toc_len
        values_end = block_size - (40 if flags & _BTNODE_ROOT else 0)
        found = None
        for index in range(count):
            k_off, v_off = _u(node, 56 + toc_off + 4 * index, 2), _u(node, 58 + toc_off + 4 * index, 2)
            key_oid, key_xid = _u(node, keys + k_off, 8), _u(node, keys + k_off + 8, 8)
            if (key_oid, key_xid) > (oid, xid):
                break
            found = values_end - v_off
        if found is None:
            return None
        if flags & _BTNODE_LEAF or level == 0:
            return _u(node, found + 8, 8)  # omap_val: flags, size, physical address
        node = _block(read, offset, block_size, _u(node, found, 8))
    return None


def volume_facts(read: Read, offset: int) -> list[dict[str, Any]]:
    """Per volume (in container order): name, flags and whether it is encrypted, from its superblock."""
    nx = _newest_superblock(read, offset)
    if nx is None:
        return []
    block_size, xid = _u(nx, 36, 4), _u(nx, 16, 8)
    omap = _block(read, offset, block_size, _u(nx, 160, 8))
    tree = _u(omap, 48, 8)
    facts: list[dict[str, Any]] = []
    for index in range(min(_u(nx, 180, 4), 100)):
        oid = _u(nx, 184 + 8 * index, 8)
        if not oid:
            continue
        block = _omap_lookup(read, offset, block_size, tree, oid, xid)
        volume = _block(read, offset, block_size, block) if block else b""
        if volume[32:36] != b"APSB":
            facts.append({"index": len(facts) + 1, "readable": False})
            continue
        flags = _u(volume, 264, 8)
        facts.append({"index": len(facts) + 1, "readable": True, "flags": flags,
                      "encrypted": not flags & _FS_UNENCRYPTED,
                      "name": volume[704:960].split(b"\x00", 1)[0].decode("utf-8", "replace")})
    return facts


def open_container(read: Read, offset: int, size: int) -> Container:
    """Open the container at ``offset`` read-only and list its volumes (locked ones too)."""
    import pyfsapfs

    handle = pyfsapfs.container()
    try:
        handle.open_file_object(RangeFile(read, offset, size), "r")
    except OSError as exc:
        raise SourceError(f"APFS container at byte {offset} cannot be read: {one_line(exc, last=True)}",
                          message_vi=f"không đọc được vùng chứa APFS tại byte {offset}: {one_line(exc, last=True)}") from exc
    block_size = int.from_bytes(read(offset + 36, 4), "little") or 4096
    try:
        flags = volume_facts(read, offset)
    except (IndexError, ValueError):
        flags = []
    volumes: list[Volume] = []
    for index in range(handle.number_of_volumes):
        try:
            volume = handle.get_volume(index)
            # encrypted by its own flag (as pstat says), or by libfsapfs finding a key bag it cannot open
            said = flags[index].get("encrypted") if index < len(flags) else None
            locked = bool(said) or bool(volume.is_locked())
            volumes.append(Volume(index + 1, volume.name or "", str(volume.identifier), None if locked else volume,
                                  locked))
        except OSError as exc:
            volumes.append(Volume(index + 1, "", "", None, False, one_line(exc, last=True)))
    return Container(handle, str(handle.identifier), block_size, size, volumes)


class ApfsFile:
    """A file of a volume with the one call the readers use: ``read_random(offset, length)``."""

    def __init__(self, entry: Any) -> None:
        self.entry = entry

    def read_random(self, offset: int, length: int, *_attr: Any) -> bytes:
        try:
            return bytes(self.entry.read_buffer_at_offset(length, offset))
        except OSError as exc:
            raise OSError(f"APFS read error: {one_line(exc, last=True)}") from exc


class _Info:
    def __init__(self, last: int) -> None:
        self.root_inum, self.first_inum, self.last_inum = ROOT_INODE, ROOT_INODE, last


class VolumeReader:
    """What the disk code asks of a file system handle: ``info`` and ``open_meta(inode=)``."""

    def __init__(self, volume: Any) -> None:
        self.volume = volume
        self.info = _Info(max(ROOT_INODE, int(volume.next_file_entry_identifier) - 1))

    def open_meta(self, inode: int) -> ApfsFile:
        try:
            entry = self.volume.get_file_entry_by_identifier(inode)
        except OSError as exc:
            raise OSError(f"no readable APFS inode {inode}: {one_line(exc, last=True)}") from exc
        if entry is None:
            raise OSError(f"no APFS inode {inode}")
        return ApfsFile(entry)


def walk(reader: VolumeReader, partition: int, policy: TimePolicy, path: bytes, *, recursive: bool, runs: bool,
         block_size: int, cancel: Any, warn: Callable[..., None]) -> Iterator[Entry]:
    """Entries under ``path`` as ``fls -r -p -B`` lists them."""
    try:
        directory = (reader.volume.get_root_directory() if not path.strip(b"/")
                     else reader.volume.get_file_entry_by_path("/" + path.strip(b"/").decode("utf-8")))
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"partition {partition}: no directory {path.decode('utf-8', 'replace')!r}",
                          message_vi=f"phân vùng {partition}: không có thư mục {path.decode('utf-8', 'replace')!r}") from exc
    if directory is None:
        raise SourceError(f"partition {partition}: no directory {path.decode('utf-8', 'replace')!r}",
                          message_vi=f"phân vùng {partition}: không có thư mục {path.decode('utf-8', 'replace')!r}")
    yield from _children(directory, path.strip(b"/"), partition, policy, recursive, runs, block_size, cancel, warn,
                         (int(directory.identifier),))


def walk_inode(reader: VolumeReader, inode: int, parent_path: bytes, partition: int, policy: TimePolicy, *,
               recursive: bool, runs: bool, block_size: int, cancel: Any, warn: Callable[..., None]) -> Iterator[Entry]:
    try:
        directory = reader.volume.get_file_entry_by_identifier(inode)
    except OSError as exc:
        warn("directory_unreadable", f"directory at inode {inode} cannot be listed: {one_line(exc, last=True)}",
             f"không liệt kê được thư mục (inode {inode}): {one_line(exc, last=True)}", inode=inode)
        return
    yield from _children(directory, parent_path, partition, policy, recursive, runs, block_size, cancel, warn,
                         (inode,))


def _children(directory: Any, parent_path: bytes, partition: int, policy: TimePolicy, recursive: bool, runs: bool,
              block_size: int, cancel: Any, warn: Callable[..., None], stack: tuple[int, ...]) -> Iterator[Entry]:
    try:
        count = directory.number_of_sub_file_entries
    except OSError as exc:
        warn("directory_unreadable", f"/{parent_path.decode('utf-8', 'replace')}: cannot be listed: {one_line(exc, last=True)}",
             f"/{parent_path.decode('utf-8', 'replace')}: không liệt kê được: {one_line(exc, last=True)}")
        return
    for index in range(count):
        cancel.check()
        try:
            child = directory.get_sub_file_entry(index)
            entry = entry_for(child, parent_path, partition, policy, runs, block_size, int(directory.identifier))
        except OSError as exc:
            warn("entry_unreadable", f"/{parent_path.decode('utf-8', 'replace')}: entry {index} cannot be read: "
                 f"{one_line(exc, last=True)}", f"/{parent_path.decode('utf-8', 'replace')}: không đọc được mục {index}: "
                 f"{one_line(exc, last=True)}")
            continue
        yield entry
        if recursive and entry.meta_type == "d" and entry.inode not in stack:
            yield from _children(child, entry.path, partition, policy, recursive, runs, block_size, cancel, warn,
                                 stack + (entry.inode,))


def entry_for(item: Any, parent_path: bytes, partition: int, policy: TimePolicy, runs: bool, block_size: int,
              parent_inode: int | None) -> Entry:
    """One APFS file entry as an :class:`Entry` (live files only: libfsapfs lists no deleted names)."""
    mode = int(item.file_mode or 0)
    kind = _TYPES.get(stat.S_IFMT(mode), "-")
    raw: list[int] = []
    for getter in (item.get_modification_time_as_integer, item.get_access_time_as_integer,
                   item.get_inode_change_time_as_integer, item.get_creation_time_as_integer):
        raw.extend(divmod(int(getter() or 0), 1_000_000_000))  # nanoseconds since 1970 UTC
    size = int(item.size or 0)
    entry = Entry(partition, parent_path, (item.name or "").encode("utf-8"), int(item.identifier), kind, kind,
                  True, True, size, None, mode=mode, uid=int(item.owner_identifier or 0),
                  gid=int(item.group_identifier or 0), parent_inode=parent_inode, raw_times=tuple(raw),
                  policy=policy)
    entry.epochs = (raw[0], raw[2], raw[4], raw[6])
    if kind == "l":
        target = item.symbolic_link_target
        entry.link_target = target.encode("utf-8") if target else None
    if runs and kind == "r":
        spans = []
        for index in range(int(item.number_of_extents or 0)):
            offset, length, _flags = item.get_extent(index)
            if length:
                spans.append((int(offset) // block_size, -(-int(length) // block_size)))
        entry.stream = Stream(DATA_STREAM, 0, None, size, False, tuple(spans))
    return entry
