"""An opened disk image: container, partition table, and a file system per partition.

Layered as dfVFS does it (container -> volume system -> file system), but kept to
what pytsk3 offers. Nothing here writes: the container is opened read-only and
every problem that still lets the examiner see something (a partition running
past the end of the image, a partition whose file system TSK cannot read) is a
warning on the image, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytsk3

from evidence_store.errors import SourceError
from evidence_store.models import ItemWarning
from evidence_store.zones import DEFAULT_ZONE

from . import apfs
from .containers import Container, TskImage, open_container
from .labels import fs_facts, fs_family, fs_type_name
from .timestamps import TimePolicy, pin_libc_zone_to_utc


@dataclass
class FileSystem:
    """One opened file system (pytsk3 FS_Info) and the facts about it we report."""

    tsk: Any
    family: str
    type_name: str
    block_size: int
    block_count: int
    label: str | None
    policy: TimePolicy
    facts: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        info = self.tsk.info
        data: dict[str, Any] = {"type": self.type_name, "family": self.family, "label": self.label,
                "block_size": self.block_size, "block_count": self.block_count,
                "root_inode": int(info.root_inum), "first_inode": int(info.first_inum),
                "last_inode": int(info.last_inum)}
        if self.policy.stores_local_time:
            data["time_zone_assumption"] = self.policy.assumption()
        return data | {k: v for k, v in self.facts.items() if k not in ("label",)}


@dataclass
class Partition:
    """A partition (or the whole image when there is no table), numbered from 1."""

    index: int
    start_sector: int
    length_sectors: int
    sector_size: int
    description: str
    table_slot: str
    fs: FileSystem | None = None
    fs_error: str | None = None
    warnings: list[ItemWarning] = field(default_factory=list)
    image_read: Any = field(default=None, repr=False)
    facts: dict[str, Any] = field(default_factory=dict)  # what is known of an unreadable volume (APFS, locked)

    def read(self, offset: int, size: int) -> bytes:
        """Bytes at ``offset`` within this partition (short at the end of the image)."""
        return bytes(self.image_read(self.offset + offset, size))

    @property
    def offset(self) -> int:
        return self.start_sector * self.sector_size

    @property
    def size(self) -> int:
        return self.length_sectors * self.sector_size

    def describe(self) -> dict[str, Any]:
        return {"index": self.index, "start_sector": self.start_sector, "length_sectors": self.length_sectors,
                "offset": self.offset, "size": self.size, "description": self.description,
                "table_slot": self.table_slot, "file_system": self.fs.describe() if self.fs else None,
                "file_system_error": self.fs_error, "warnings": [w.to_json() for w in self.warnings],
                **({"volume": self.facts} if self.facts else {})}


@dataclass
class TableEntry:
    """Every slot of the partition table as mmls shows it (meta and unallocated too; ``slot`` as mmls prints it)."""

    slot: str
    start_sector: int
    length_sectors: int
    description: str
    kind: str  # allocated | unallocated | meta

    def to_json(self) -> dict[str, Any]:
        return {"slot": self.slot, "start_sector": self.start_sector, "length_sectors": self.length_sectors,
                "end_sector": self.start_sector + self.length_sectors - 1, "description": self.description,
                "kind": self.kind}


class DiskImage:
    """Open with :meth:`open`; close when done (also a context manager)."""

    def __init__(self, container: Container, local_zone: str) -> None:
        self.container = container
        self.local_zone = local_zone
        self.tsk_image = TskImage(container.source)
        self.table_type: str | None = None
        self.table: list[TableEntry] = []
        self.partitions: list[Partition] = []
        self.warnings: list[ItemWarning] = []
        self._apfs: list[apfs.Container] = []

    @classmethod
    def open(cls, path: Path | str, *, local_zone: str = DEFAULT_ZONE,
             require_file_system: bool = True) -> DiskImage:
        """Open read-only; without ``require_file_system`` an unreadable disk is kept with a warning."""
        pin_libc_zone_to_utc()
        container = open_container(path)
        image = cls(container, local_zone)
        try:
            image._load(require_file_system)
        except BaseException:
            image.close()
            raise
        return image

    def close(self) -> None:
        for container in self._apfs:
            container.close()
        self.container.close()

    def __enter__(self) -> DiskImage:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def path(self) -> Path:
        return self.container.path

    @property
    def size(self) -> int:
        return self.container.size

    def partition(self, index: int | None) -> Partition:
        usable = [p for p in self.partitions if p.fs is not None]
        if index is None:
            if len(usable) == 1:
                return usable[0]
            if not usable:
                reasons = "; ".join(f"partition {p.index}: {p.fs_error}" for p in self.partitions if p.fs_error)
                detail = f" ({reasons})" if reasons else ""
                raise SourceError(f"{self.path}: no partition holds a file system that can be read{detail}",
                                  message_vi=f"{self.path}: không phân vùng nào chứa hệ thống tệp đọc được{detail}")
            numbers = ", ".join(str(p.index) for p in usable)
            raise SourceError(f"{self.path} has {len(usable)} partitions with file systems ({numbers})",
                              message_vi=f"{self.path} có {len(usable)} phân vùng có hệ thống tệp ({numbers}); hãy chọn "
                                         "một phân vùng",
                              remedy="choose_partition")
        for part in self.partitions:
            if part.index == index:
                if part.fs is None:
                    raise SourceError(f"partition {index} has no readable file system: {part.fs_error}",
                                      message_vi=f"phân vùng {index} không có hệ thống tệp đọc được: {part.fs_error}")
                return part
        numbers = ", ".join(str(p.index) for p in self.partitions)
        raise SourceError(f"{self.path} has no partition {index} (partitions: {numbers or 'none'})",
                          message_vi=f"{self.path} không có phân vùng {index} (các phân vùng: {numbers or 'không có'})")

    def describe(self) -> dict[str, Any]:
        return {"container": self.container.describe(), "media_size": self.size,
                "sector_size": self.container.sector_size, "partition_table": self.table_type,
                "table": [t.to_json() for t in self.table],
                "partitions": [p.describe() for p in self.partitions],
                "warnings": [w.to_json() for w in self.warnings]}

    # -- loading ----------------------------------------------------------------
    def _load(self, require_file_system: bool) -> None:
        try:
            volume = pytsk3.Volume_Info(self.tsk_image)
        except OSError:
            volume = None
        if volume is not None:
            self._load_table(volume)
        if not self.partitions:
            whole = Partition(1, 0, -(-self.size // 512), 512, "whole image (no partition table)", "-",
                              image_read=self.container.read)
            self._open_fs(whole)
            if whole.fs is not None:
                self.partitions.append(whole)
                return
            volumes = self._apfs_volumes(whole, 1)
            if volumes:
                self.partitions.extend(volumes)
                self.warnings.extend(w for p in volumes for w in p.warnings)
                return
            message = (f"{self.path}: no partition table or file system that The Sleuth Kit recognises "
                       f"({self.container.format} image of {self.size} bytes; damaged, encrypted or not a disk image?)")
            if require_file_system:
                raise SourceError(message,
                                  message_vi=f"{self.path}: không có bảng phân vùng hay hệ thống tệp nào mà The Sleuth Kit nhận"
                                             f" ra (ảnh {self.container.format} {self.size} byte; bị hỏng, mã hoá hoặc không "
                                             "phải ảnh đĩa?)")
            self.warnings.append(ItemWarning("no_file_system", message,
                                             "không nhận ra bảng phân vùng hay hệ thống tệp nào trong ảnh đĩa "
                                             "(hỏng, mã hoá hoặc không phải ảnh đĩa?)"))

    def _load_table(self, volume: Any) -> None:
        self.table_type = _vs_type_name(volume.info.vstype)
        sector = int(volume.info.block_size) or 512
        media_sectors = self.size // sector
        index = 0
        for part in volume:
            flags = int(part.flags)
            kind = ("allocated" if flags & int(pytsk3.TSK_VS_PART_FLAG_ALLOC) else
                    "unallocated" if flags & int(pytsk3.TSK_VS_PART_FLAG_UNALLOC) else "meta")
            slot = _mmls_slot(kind, int(part.table_num), int(part.slot_num))
            desc = part.desc.decode("utf-8", "replace") if isinstance(part.desc, bytes) else str(part.desc)
            self.table.append(TableEntry(slot, int(part.start), int(part.len), desc, kind))
            if kind != "allocated":
                continue
            index += 1
            partition = Partition(index, int(part.start), int(part.len), sector, desc, slot,
                                  image_read=self.container.read)
            if partition.start_sector + partition.length_sectors > media_sectors:
                partition.warnings.append(ItemWarning(
                    "partition_past_end",
                    f"partition {index} runs past the end of the image ({partition.start_sector + partition.length_sectors}"
                    f" > {media_sectors} sectors): the image is truncated or the table is wrong",
                    f"phân vùng {index} vượt quá cuối ảnh đĩa: ảnh đĩa bị cắt cụt hoặc bảng phân vùng sai",
                    {"partition": index, "end_sector": partition.start_sector + partition.length_sectors,
                     "media_sectors": media_sectors}))
            self._open_fs(partition)
            volumes = self._apfs_volumes(partition, index) if partition.fs is None else None
            if volumes:
                index += len(volumes) - 1
                self.partitions.extend(volumes)
                continue
            self.partitions.append(partition)
        self.warnings.extend(w for p in self.partitions for w in p.warnings)

    def _apfs_volumes(self, base: Partition, first_index: int) -> list[Partition] | None:
        """An APFS container (which pytsk3 cannot open) as one partition per volume, through libfsapfs."""
        if base.offset >= self.size or not apfs.is_container(self.container.read, base.offset):
            return None
        size = min(base.size, self.size - base.offset)
        try:
            container = apfs.open_container(self.container.read, base.offset, size)
        except SourceError as exc:
            base.fs_error = str(exc)
            return None
        self._apfs.append(container)
        parts = []
        for volume in container.volumes:
            where = "whole image" if base.table_slot == "-" else f"slot {base.table_slot}"
            part = Partition(first_index + volume.index - 1, base.start_sector, base.length_sectors,
                             base.sector_size, f"APFS volume {volume.index} '{volume.name}' ({where})",
                             base.table_slot, warnings=[w for w in base.warnings if w.code != "no_file_system"],
                             image_read=self.container.read)
            facts = {"label": volume.name or None, "container_uuid": container.identifier,
                     "volume_uuid": volume.identifier, "volume_index": volume.index, "encrypted": volume.locked}
            if volume.handle is not None:
                policy = TimePolicy("apfs", self.local_zone)
                part.fs = FileSystem(apfs.VolumeReader(volume.handle), "apfs", "apfs", container.block_size,
                                     container.size // container.block_size, volume.name or None, policy, facts)
            elif volume.locked:
                part.fs_error = "encrypted APFS volume (FileVault), locked: its files cannot be read without its key"
                part.facts = facts
                part.warnings.append(ItemWarning(
                    "encrypted_volume", f"partition {part.index}: APFS volume '{volume.name}' is encrypted and "
                    "locked: its files are not listed or extracted (they are not absent)",
                    f"phân vùng {part.index}: ổ APFS '{volume.name}' được mã hoá và đang khoá: các tệp của nó không "
                    "được liệt kê hay trích xuất (không có nghĩa là không có tệp)",
                    {"partition": part.index, "volume_uuid": volume.identifier}))
            else:
                part.fs_error = f"APFS volume {volume.index} cannot be read: {volume.error}"
                part.warnings.append(ItemWarning(
                    "no_file_system", f"partition {part.index}: {part.fs_error}",
                    f"phân vùng {part.index}: không đọc được ổ APFS {volume.index} ({volume.error})",
                    {"partition": part.index}))
            parts.append(part)
        return parts

    def _open_fs(self, partition: Partition) -> None:
        if partition.offset >= self.size:
            partition.fs_error = "the partition starts beyond the end of the image"
            return
        try:
            tsk = pytsk3.FS_Info(self.tsk_image, offset=partition.offset)
        except OSError as exc:
            partition.fs_error = _tsk_message(exc) or "no file system TSK recognises"
            if partition.description and "unallocated" not in partition.description.lower():
                partition.warnings.append(ItemWarning(
                    "no_file_system", f"partition {partition.index} ({partition.description}): {partition.fs_error}",
                    f"phân vùng {partition.index}: không đọc được hệ thống tệp ({partition.fs_error})",
                    {"partition": partition.index}))
            return
        info = tsk.info
        family = fs_family(info.ftype)

        facts = fs_facts(family, tsk, partition.read)
        policy = TimePolicy(family, self.local_zone, ext_nanoseconds=family == "ext" and
                            int(facts.get("inode_size") or 128) > 128)
        partition.fs = FileSystem(tsk, family, fs_type_name(info.ftype), int(info.block_size),
                                  int(info.block_count), facts.get("label"), policy, facts)


def _mmls_slot(kind: str, table: int, slot: int) -> str:
    """The slot column as ``mmls`` prints it: ``000:001`` (DOS tables), ``001`` (one table: GPT, Mac)."""
    if kind == "meta":
        return "Meta"
    if kind == "unallocated":
        return "-------"
    return f"{slot:03d}" if table < 0 else f"{table:03d}:{slot:03d}"


def _vs_type_name(vstype: Any) -> str:
    for name in dir(pytsk3.TSK_VS_TYPE_ENUM):
        if name.startswith("TSK_VS_TYPE_") and int(getattr(pytsk3, name)) == int(vstype):
            return name[len("TSK_VS_TYPE_"):].lower()
    return str(vstype)


def _tsk_message(exc: BaseException) -> str:
    """TSK errors arrive as multi-line OSErrors; keep the informative first line."""
    text = str(exc).strip()
    if "with error: " in text:
        text = text.split("with error: ", 1)[1]
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:200]
    return ""
