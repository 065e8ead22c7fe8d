"""How far the content of a deleted file can be trusted: ``exact`` or ``possibly incomplete``.

TSK returns *something* for most deleted files; whether it is the file's content
depends on the file system. On FAT the cluster chain is wiped on deletion, so TSK
assumes the clusters were contiguous (DFTT #6's fragmented files come back wrong);
any cluster since given to another file may have been overwritten. We check what
can be checked (the FAT table, NTFS's $Bitmap) and otherwise say "possibly
incomplete" rather than present a guess as certain.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from evidence_store.models import ItemWarning

from .entries import Entry
from .image import Partition

EXACT = "exact"
POSSIBLY_INCOMPLETE = "possibly incomplete"

_REASONS = {
    "metadata_reallocated": ("its metadata entry now belongs to another file; the content read is that file's",
                             "bản ghi siêu dữ liệu đã được cấp cho tệp khác; nội dung đọc được là của tệp đó"),
    "fat_contiguity_assumed": ("FAT keeps no cluster chain for deleted files; contiguous clusters were assumed",
                               "FAT không giữ chuỗi cluster của tệp đã xoá; giả định các cluster liên tiếp"),
    "blocks_reallocated": ("some of its clusters are now allocated to other files and may have been overwritten",
                           "một số cluster đã được cấp cho tệp khác và có thể đã bị ghi đè"),
    "runs_missing": ("the file system no longer records where all of its content was",
                     "hệ thống tệp không còn ghi vị trí của toàn bộ nội dung"),
    "blocks_not_checked": ("whether its blocks were reused cannot be checked on this file system",
                           "không kiểm tra được các khối của tệp có bị dùng lại hay không trên hệ thống tệp này"),
    "read_short": ("reading stopped before the recorded size; the rest could not be read",
                   "việc đọc dừng trước kích thước ghi nhận; phần còn lại không đọc được"),
    "allocation_unreadable": ("the allocation map ($Bitmap or FAT) could not be read, so whether its clusters were "
                              "reused by other files is unknown",
                              "không đọc được bảng cấp phát ($Bitmap hoặc FAT) nên không biết các cluster của tệp "
                              "đã bị tệp khác dùng lại hay chưa"),
}


@dataclass
class Recovery:
    state: str = EXACT
    reasons: list[str] = field(default_factory=list)

    def add(self, reason: str) -> None:
        self.state = POSSIBLY_INCOMPLETE
        if reason not in self.reasons:
            self.reasons.append(reason)

    def warnings(self, path: str) -> list[ItemWarning]:
        return [ItemWarning(f"recovery_{r}", f"{path}: recovery possibly incomplete: {_REASONS[r][0]}",
                            f"{path}: khôi phục có thể không đầy đủ: {_REASONS[r][1]}", {"reason": r})
                for r in self.reasons]

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "reasons": list(self.reasons)}


class AllocationMap:
    """Which blocks (in TSK's block units for this file system) are allocated now."""

    def __init__(self, partition: Partition) -> None:
        assert partition.fs is not None
        self.partition = partition
        self.family = partition.fs.family
        self._bits: bytes | None = None
        self._fat: Any = None
        self.unit_per_cluster = 1
        self.loaded = False
        self.error: str | None = None
        self._load()

    def _load(self) -> None:
        fs = self.partition.fs
        assert fs is not None
        try:
            if self.family == "ntfs":
                bitmap = fs.tsk.open_meta(inode=6)
                size = int(bitmap.info.meta.size)
                self._bits = bitmap.read_random(0, size) if size else b""
                self.loaded = len(self._bits) == size > 0
                if not self.loaded:
                    self.error = f"$Bitmap gave {len(self._bits)} of {size} bytes"
            elif self.family == "fat":
                self._fat = _FatTable(self.partition.read)
                self.unit_per_cluster = self._fat.sectors_per_cluster
                self.loaded = self._fat.ok
                if not self.loaded:
                    self.error = "the FAT is shorter than its boot sector says"
        except (OSError, struct.error, ValueError) as exc:
            self.loaded = False
            self.error = (str(exc).strip().splitlines() or [type(exc).__name__])[-1][:160]

    @property
    def checkable(self) -> bool:
        """Whether this file system has an allocation map we read (NTFS $Bitmap, the FAT)."""
        return self.family in ("ntfs", "fat")

    @property
    def cluster_units(self) -> int:
        """Blocks per allocation unit (FAT runs are in sectors, allocation in clusters)."""
        return self.unit_per_cluster

    def any_allocated(self, runs: tuple[tuple[int, int], ...]) -> bool:
        if not self.loaded:
            return False
        for start, length in runs:
            for block in range(start, start + length):
                if self.allocated(block):
                    return True
        return False

    def allocated(self, block: int) -> bool:
        if self._bits is not None:
            byte = block >> 3
            return byte < len(self._bits) and bool(self._bits[byte] >> (block & 7) & 1)
        if self._fat is not None:
            return self._fat.sector_allocated(block)
        return False


class _FatTable:
    """The first FAT: a cluster is allocated when its entry is not zero."""

    def __init__(self, read: Any) -> None:
        boot = read(0, 512)
        bytes_per_sector, self.sectors_per_cluster = struct.unpack_from("<HB", boot, 11)
        reserved, nfats, root_entries, total16, _media, fat16 = struct.unpack_from("<HBHHBH", boot, 14)
        total32, fat32 = struct.unpack_from("<I", boot, 32)[0], struct.unpack_from("<I", boot, 36)[0]
        fat_sectors = fat16 or fat32
        total = total16 or total32
        root_sectors = (root_entries * 32 + bytes_per_sector - 1) // bytes_per_sector
        self.first_data = reserved + nfats * fat_sectors + root_sectors
        clusters = (total - self.first_data) // max(1, self.sectors_per_cluster)
        self.bits = 12 if clusters < 4085 else 16 if clusters < 65525 else 32
        self.table = read(reserved * bytes_per_sector, fat_sectors * bytes_per_sector)
        self.ok = len(self.table) == fat_sectors * bytes_per_sector and self.sectors_per_cluster > 0

    def cluster(self, number: int) -> int:
        if self.bits == 16:
            return int(struct.unpack_from("<H", self.table, number * 2)[0])
        if self.bits == 32:
            return int(struct.unpack_from("<I", self.table, number * 4)[0]) & 0x0FFFFFFF
        pair = struct.unpack_from("<H", self.table, number * 3 // 2)[0]
        return int(pair >> 4 if number & 1 else pair & 0xFFF)

    def sector_allocated(self, sector: int) -> bool:
        if sector < self.first_data:
            return True  # boot sector, FATs, root directory: never free
        number = (sector - self.first_data) // self.sectors_per_cluster + 2
        try:
            return self.cluster(number) != 0
        except struct.error:
            return False


def assess(entry: Entry, partition: Partition, allocation: AllocationMap | None) -> Recovery:
    """The recovery state of ``entry``'s content, before reading it."""
    recovery = Recovery()
    if not entry.deleted:
        return recovery
    if entry.reallocated:
        recovery.add("metadata_reallocated")
        return recovery
    stream = entry.stream
    if entry.size == 0 or (stream is not None and stream.resident):
        return recovery
    fs = partition.fs
    assert fs is not None
    runs = stream.runs if stream is not None else ()
    covered = sum(length for _, length in runs) * fs.block_size
    if covered < entry.size:
        recovery.add("runs_missing")
    family = fs.family
    if family in ("fat", "exfat"):
        cluster_bytes = fs.block_size * (allocation.cluster_units if allocation else 1)
        if family == "exfat" or entry.size > cluster_bytes:
            recovery.add("fat_contiguity_assumed")
    if allocation is not None and allocation.loaded:
        if allocation.any_allocated(runs):
            recovery.add("blocks_reallocated")
    elif allocation is not None and allocation.checkable:
        recovery.add("allocation_unreadable")
    else:
        recovery.add("blocks_not_checked")
    return recovery
