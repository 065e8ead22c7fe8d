"""Disk images: look inside without a vault (info, listing, timeline, search) and browse.

These use cases read an image and write nothing but the output the examiner asks
for; the image is opened read-only. Acquiring into the vault (``disk add`` and
``disk extract``) lives in :mod:`.disk_acquire`. The GUI's disk browser uses
:class:`DiskBrowser`: partitions, one directory at a time, file details.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from collectors.disk import DiskImage, Entry, Walker, WalkOptions, assess
from collectors.disk.bodyfile import BodyWriter
from collectors.disk.entries import json_text as entry_json
from collectors.disk.names import escape_name
from collectors.disk.recovery import AllocationMap
from collectors.disk.search import PartitionSearch, compile_pattern
from evidence_store import DEFAULT_ZONE, ItemWarning, SourceError, UsageError, zone_info
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

__all__ = ["DiskBrowser", "Listing", "entries_for_inode", "entry_json", "escape_name", "image_info", "iter_entries", "open_image",
           "parse_inode_spec", "search_image", "tool_versions", "write_timeline"]


def tool_versions() -> dict[str, str]:
    """The libraries that read the image, for provenance records."""
    from importlib.metadata import PackageNotFoundError, version

    import pytsk3

    versions = {"tsk": str(getattr(pytsk3, "TSK_VERSION_STR", "unknown"))}
    for package in ("pytsk3", "libewf-python", "libvmdk-python", "libvhdi-python", "libqcow-python"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            continue
    return versions


def open_image(path: Path | str, *, local_zone: str | None = None, require_file_system: bool = True) -> DiskImage:
    zone_info(local_zone)  # a clear message for a misspelt zone before anything is opened
    return DiskImage.open(path, local_zone=local_zone or DEFAULT_ZONE, require_file_system=require_file_system)


def image_info(path: Path | str, *, local_zone: str | None = None) -> dict[str, Any]:
    """Container, stored metadata and hashes, media size, partitions and file systems.

    An image with a partition table is described even when no partition holds a file system TSK
    reads (encrypted partitions); with neither, it is not a disk image we can describe (a
    :class:`SourceError`, as ``disk ls`` says).
    """
    with open_image(path, local_zone=local_zone, require_file_system=False) as image:
        if image.table_type is None and not image.partitions:
            raise SourceError(image.warnings[0].message if image.warnings else f"{path}: not a disk image",
                              message_vi=image.warnings[0].text("vi") if image.warnings else f"{path}: không phải ảnh đĩa")
        return image.describe() | {"tools": tool_versions()}


@dataclass
class Listing:
    """Entries as they are walked (lazy), and the warnings met on the way."""

    entries: Iterator[Entry]
    warnings: list[ItemWarning] = field(default_factory=list)


def iter_entries(image: DiskImage, *, partition: int | None = None, path: str = "/", recursive: bool = False,
                 deleted_only: bool = False, file_name_times: bool = False, runs: bool | str = False,
                 cancel: CancelToken = NEVER_CANCELLED) -> Listing:
    """Walk one partition (or every partition with a file system when ``partition`` is None and recursive)."""
    if partition is None and (path in ("", "/")) and recursive:
        parts = [p for p in image.partitions if p.fs is not None]
        if not parts:
            image.partition(None)  # raises, saying why each partition cannot be read
    else:
        parts = [image.partition(partition)]
    warnings: list[ItemWarning] = list(image.warnings)
    options = WalkOptions(recursive=recursive, deleted_only=deleted_only, file_name_times=file_name_times,
                          runs=runs)

    def generate() -> Iterator[Entry]:
        for part in parts:
            walker = Walker(part, options, cancel=cancel)
            try:
                yield from walker.walk(path)
            finally:
                warnings.extend(walker.warnings)

    return Listing(generate(), warnings)


def write_timeline(image: DiskImage, out: TextIO, *, partition: int | None = None,
                   cancel: CancelToken = NEVER_CANCELLED, progress: Progress = no_progress) -> dict[str, Any]:
    """A mactime body file of every entry (all partitions unless one is chosen)."""
    listing = iter_entries(image, partition=partition, recursive=True, file_name_times=True, cancel=cancel)
    writer = BodyWriter(out)
    count = 0
    for entry in listing.entries:
        writer.write(entry)
        count += 1
        if count % 1000 == 0:
            progress(count, None, "entries")
    return {"entries": count, "lines": writer.lines, "warnings": [w.to_json() for w in listing.warnings],
            "time_zone_assumed_for_fat": image.local_zone}


def search_image(image: DiskImage, keyword: str, *, regex: bool = False, ignore_case: bool = False,
                 partition: int | None = None, encodings: tuple[str, ...] = ("utf-8", "utf-16-le"),
                 cancel: CancelToken = NEVER_CANCELLED, progress: Progress = no_progress) -> Iterator[dict[str, Any]]:
    """Hits in allocated files, deleted files, slack and unallocated space (lazy)."""
    patterns = compile_pattern(keyword, regex=regex, ignore_case=ignore_case, encodings=encodings)
    parts = [image.partition(partition)] if partition is not None else [p for p in image.partitions if p.fs]
    if not parts:
        image.partition(None)  # raises, saying why each partition cannot be read
    for part in parts:
        yield from (hit.to_json() for hit in PartitionSearch(part, patterns, cancel, progress).run())


def parse_inode_spec(text: str) -> tuple[int, str | None, tuple[int, int] | None]:
    """``N``, ``N:STREAM`` or TSK's ``N-TYPE-ID`` into (inode, stream name, (type, id))."""
    text = text.strip()
    try:
        if ":" in text:
            number, stream = text.split(":", 1)
            return int(number), stream, None
        if text.count("-") == 2:
            number, kind, ident = text.split("-")
            return int(number), None, (int(kind), int(ident))
        return int(text), None, None
    except ValueError as exc:
        raise UsageError(f"--inode wants N, N:STREAM or N-TYPE-ID (as fls prints it), not {text!r}",
                         message_vi=f"số inode phải có dạng N, N:STREAM hoặc N-TYPE-ID (như fls in ra), "
                                    f"không phải {text!r}") from exc


def entries_for_inode(image: DiskImage, spec: str, partition: int | None) -> list[Entry]:
    """The entries (streams) of one inode, with its path when a directory walk finds it."""
    inode, stream, attr = parse_inode_spec(spec)
    part = image.partition(partition)
    fs = part.fs
    assert fs is not None
    try:
        tsk_file = fs.tsk.open_meta(inode=inode)
    except OSError as exc:
        raise SourceError(f"partition {part.index} has no readable inode {inode}",
                          message_vi=f"phân vùng {part.index} không có inode {inode} đọc được") from exc
    found = [e for e in Walker(part, WalkOptions(recursive=True, runs=True)).walk() if e.inode == inode]
    if not found:  # not reachable by name: keep it as an orphan known by number only
        found = Walker(part, WalkOptions(runs=True)).entries_for_file(tsk_file, b"$OrphanFiles", f"inode-{inode}".encode(),
                                                                      orphan=True)
    if stream is not None:
        found = [e for e in found if e.stream is not None and (e.stream.name or b"").decode("utf-8", "replace") == stream]
    elif attr is not None:
        found = [e for e in found if e.stream is not None and (e.stream.type, e.stream.id) == attr]
    else:
        found = [e for e in found if e.stream is None or not e.stream.name or e.stream.type != 128] or found
    if not found:
        raise SourceError(f"inode {spec} has no such stream in partition {part.index}",
                          message_vi=f"inode {spec} không có luồng dữ liệu này trong phân vùng {part.index}")
    return found


class DiskBrowser:
    """What the GUI's disk browser needs: partitions, a lazy directory listing, file details.

    Holds the image open; call :meth:`close` (or use it as a context manager).
    """

    def __init__(self, path: Path | str, *, local_zone: str | None = None) -> None:
        self.image = open_image(path, local_zone=local_zone, require_file_system=False)
        self._allocation: dict[int, AllocationMap] = {}

    def close(self) -> None:
        self.image.close()

    def __enter__(self) -> DiskBrowser:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def info(self) -> dict[str, Any]:
        return self.image.describe()

    def partitions(self) -> list[dict[str, Any]]:
        return [p.describe() for p in self.image.partitions]

    def list_dir(self, partition: int, path: str = "/", *, inode: int | None = None,
                 cancel: CancelToken = NEVER_CANCELLED) -> dict[str, Any]:
        """One directory's children (deleted ones included); ``inode`` for deleted directories."""
        part = self.image.partition(partition)
        walker = Walker(part, WalkOptions(runs=True), cancel=cancel)
        if inode is not None:
            entries = list(walker.walk_inode(inode, path.strip("/").encode("utf-8", "surrogateescape")))
        else:
            entries = list(walker.walk(path))
        return {"partition": partition, "path": path,
                "entries": [self._summary(part.index, e) for e in entries],
                "warnings": [w.to_json() for w in walker.warnings]}

    def preview(self, partition: int, address: str, as_kind: str = "auto") -> Any:
        """The file at ``address`` read into memory for a look (see :mod:`.disk_preview`)."""
        from .disk_preview import find_entry, preview

        return preview(self.image, find_entry(self.image, inode=address, path=None, partition=partition),
                       as_kind=as_kind)

    def details(self, partition: int, address: str) -> dict[str, Any]:
        entries = entries_for_inode(self.image, address, partition)
        return self._summary(partition, entries[0])

    def _summary(self, partition: int, entry: Entry) -> dict[str, Any]:
        data = entry.to_json()
        data["is_directory"] = entry.is_dir
        data["has_content"] = entry.has_content
        if entry.has_content:
            part = self.image.partition(partition)
            if partition not in self._allocation:
                self._allocation[partition] = AllocationMap(part)
            data["recovery"] = assess(entry, part, self._allocation[partition]).to_json()
        return data
