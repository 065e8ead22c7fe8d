"""Which files an extraction takes, and how one file goes into the vault with its locator.

The locator is the file's provenance, detailed enough to find the same bytes
again with any tool: image item, partition and its offset, inode, stream,
original path (escaped for display and as raw bytes), allocation state, recovery
flag, MACB times with precision (and the zone assumed for FAT). Browser history
and EXIF are parsed on the way and stored as rows on the same item.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

from collectors.disk import DiskImage, Entry, Partition, StreamReader, Walker, WalkOptions, assess
from collectors.disk.browser import browser_kind, parse_history
from collectors.disk.exif import HEADER_BYTES, is_jpeg, parse_exif
from collectors.disk.recovery import AllocationMap
from evidence_store import Batch, Item, ItemWarning, PendingItem, SourceError, UsageError, iso_utc
from evidence_store.blobs import IngestResult
from evidence_store.hashing import optional_algorithms
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

from .disk import entries_for_inode, iter_entries

KIND_FILE = "extracted_file"
_BROWSER_NAMES = (b"History", b"places.sqlite")


@dataclass
class Selection:
    path: str | None = None
    inode: str | None = None
    deleted: bool = False
    all: bool = False

    def check(self) -> None:
        chosen = [x for x in (self.path is not None, self.inode is not None, self.deleted, self.all) if x]
        if len(chosen) != 1:
            raise UsageError("choose exactly one of --path, --inode, --deleted or --all")

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "inode": self.inode, "deleted": self.deleted, "all": self.all}


class Ingest(Protocol):
    """The vault's ``blobs.ingest`` with the batch's segment size and sync choice bound."""

    def __call__(self, stream: BinaryIO, *, extra_hashes: tuple[str, ...], total: int | None, label: str,
                 progress: Progress, cancel: CancelToken) -> IngestResult: ...


@dataclass
class PreparedFile:
    """One file read, hashed and encrypted into a temp blob, with its provenance: ready for a batch."""

    content: IngestResult
    name: str
    source: str
    metadata: dict[str, Any]
    warnings: tuple[ItemWarning, ...]
    acquired_at: str
    details: dict[str, Any]

    def add_to(self, batch: Batch, parent: Item | None) -> PendingItem:
        assert parent is not None
        pending = batch.add_ingested(self.content, kind=KIND_FILE, name=self.name, source=self.source,
                                     parent=parent.id, acquired_at=self.acquired_at)
        pending.metadata, pending.warnings, pending.details = self.metadata, self.warnings, self.details
        return pending


class _Tap(io.RawIOBase):
    """Passes a file's bytes to the vault and keeps its head (and a temp copy when asked)."""

    def __init__(self, reader: StreamReader, copy_to: Path | None) -> None:
        super().__init__()
        self.reader = reader
        self.head = bytearray()
        self._copy = copy_to.open("wb") if copy_to is not None else None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.reader.read(size)
        if len(self.head) < HEADER_BYTES:
            self.head += data[: HEADER_BYTES - len(self.head)]
        if self._copy is not None:
            self._copy.write(data)
        return data

    def close(self) -> None:
        if self._copy is not None:
            self._copy.close()
            self._copy = None
        super().close()


class Extractor:
    def __init__(self, image: DiskImage, image_item: Item | None, *, extra_hashes: tuple[str, ...] = (),
                 cancel: CancelToken = NEVER_CANCELLED, progress: Progress = no_progress) -> None:
        self.image = image
        self.image_item = image_item
        self.extra_hashes = optional_algorithms(extra_hashes)
        self.cancel = cancel
        self.progress = progress
        self.warnings: list[ItemWarning] = []
        self.done_bytes = 0
        self._allocation: dict[int, AllocationMap] = {}
        self._image_path = str(image.path.resolve())

    # -- choosing ---------------------------------------------------------------
    def select(self, selection: Selection, partition: int | None) -> Generator[Entry, None, None]:
        if selection.inode is not None:
            yield from (e for e in entries_for_inode(self.image, selection.inode, partition) if e.has_content)
            return
        if selection.path is not None:
            yield from self._by_path(selection.path, partition)
            return
        listing = iter_entries(self.image, partition=partition, recursive=True, runs="deleted",
                               deleted_only=selection.deleted, cancel=self.cancel)
        try:
            for entry in listing.entries:
                if entry.has_content and (not selection.deleted or entry.deleted or entry.orphan):
                    yield entry
        finally:
            self.warnings.extend(listing.warnings)

    def _by_path(self, path: str, partition: int | None) -> Iterator[Entry]:
        part = self.image.partition(partition)
        raw = path.encode("utf-8", "surrogateescape").strip(b"/")
        parent, _, name = raw.rpartition(b"/")
        base, _, stream = name.partition(b":")
        walker = Walker(part, WalkOptions(runs=True), cancel=self.cancel)
        matches = [e for e in walker.walk(b"/" + parent) if e.name == base]
        if not matches:
            raise SourceError(f"partition {part.index} has no {path!r} (deleted names included)")
        directories = [e for e in matches if e.is_dir]
        if directories and not stream:
            sub = Walker(part, WalkOptions(recursive=True, runs=True), cancel=self.cancel)
            yield from (e for e in sub.walk_inode(directories[0].inode, raw) if e.has_content)
            self.warnings.extend(sub.warnings)
            return
        files = [e for e in matches if e.has_content and
                 ((e.stream.name if e.stream is not None and e.stream.type == 128 else None) or b"") == stream]
        if not files:
            raise SourceError(f"{path!r} has no content to extract (a directory index or an entry whose "
                              "metadata is gone)")
        yield from files

    # -- one file -----------------------------------------------------------------
    def prepare(self, entry: Entry, skipped: list[tuple[str, str]], ingest: Ingest) -> PreparedFile | None:
        """Stream one file through ``ingest`` (the vault's hashing, encrypting blob writer) with its locator.

        ``ingest`` is the vault's ``blobs.ingest``, called here or in the reader process
        (:mod:`.disk_pipeline`); the batch then adds the result with ``add_ingested``.
        """
        part = self.image.partition(entry.partition)
        fs = part.fs
        assert fs is not None and self.image_item is not None
        recovery = assess(entry, part, self._allocation_map(part))
        try:
            tsk_file = fs.tsk.open_meta(inode=entry.inode)
        except OSError as exc:
            skipped.append((entry.display_path, f"metadata cannot be read: {str(exc).strip()[:120]}"))
            return None
        reader = StreamReader(tsk_file, entry)
        wants_copy = entry.name in _BROWSER_NAMES
        name = entry.display_name
        with tempfile.TemporaryDirectory(prefix="forensics-disk-") if wants_copy else _no_dir() as temp:
            db_copy = Path(temp) / "db" if temp else None
            tap = _Tap(reader, db_copy)
            before = self.done_bytes

            def step(done: int, _total: int | None, label: str) -> None:
                self.progress(before + done, None, label)

            acquired = iso_utc()
            try:
                content = ingest(cast(BinaryIO, tap), extra_hashes=self.extra_hashes, total=entry.size, label=name,
                                 progress=step, cancel=self.cancel)
            finally:
                tap.close()
            if reader.short:
                recovery.add("read_short")
            self.done_bytes = before + reader.offset
            metadata: dict[str, Any] = {"locator": self._locator(part, entry, recovery, reader)}
            warnings = recovery.warnings(entry.display_path)
            if reader.error:
                warnings.append(ItemWarning("read_error", f"{entry.display_path}: {reader.error}",
                                            f"{entry.display_path}: lỗi đọc ({reader.error})",
                                            {"offset": reader.offset, "size": entry.size}))
            self._artifacts(part, entry, bytes(tap.head), db_copy, metadata, warnings)
        return PreparedFile(content, name, self._source(part, entry), metadata, tuple(warnings), acquired,
                            {"address": entry.address, "partition": entry.partition, "recovery": recovery.state,
                             "path": entry.display_path})

    def add(self, batch: Batch, entry: Entry, skipped: list[tuple[str, str]]) -> PendingItem | None:
        """Read one file into ``batch`` in this process."""
        def ingest(stream: BinaryIO, **options: Any) -> IngestResult:
            return batch.vault.blobs.ingest(stream, segment_size=batch.vault.config.segment_size,
                                            sync=batch.sync_each, **options)

        prepared = self.prepare(entry, skipped, ingest)
        return None if prepared is None else prepared.add_to(batch, self.image_item)

    def _allocation_map(self, part: Partition) -> AllocationMap:
        if part.index not in self._allocation:
            self._allocation[part.index] = AllocationMap(part)
        return self._allocation[part.index]

    def _source(self, part: Partition, entry: Entry) -> str:
        return f"{self.image.path.name}#partition{part.index}:{entry.display_path}"

    def _locator(self, part: Partition, entry: Entry, recovery: Any, reader: StreamReader) -> dict[str, Any]:
        assert part.fs is not None and self.image_item is not None
        locator: dict[str, Any] = {
            "image_item": self.image_item.id, "image_item_uid": self.image_item.uid,
            "image": self._image_path, "partition": part.index, "partition_offset": part.offset,
            "file_system": part.fs.type_name, "inode": entry.inode, "address": entry.address,
            "stream": None, "path": entry.display_path, "path_bytes_hex": entry.path.hex(),
            "name": entry.display_name, "allocation": entry.allocation, "orphan": entry.orphan,
            "recovery": recovery.state, "recovery_reasons": list(recovery.reasons),
            "size": entry.size, "bytes_read": reader.offset, "times": entry.times,
        }
        if entry.stream is not None and entry.stream.type == 128:
            locator["stream"] = {"type": entry.stream.type, "id": entry.stream.id,
                                 "name": entry.stream.name.decode("utf-8", "backslashreplace")
                                 if entry.stream.name else None, "resident": entry.stream.resident}
        if entry.seq is not None:
            locator["sequence"] = entry.seq
        if part.fs.policy.stores_local_time:
            locator["time_zone_assumption"] = part.fs.policy.assumption()
        return locator

    def _artifacts(self, part: Partition, entry: Entry, head: bytes, db_copy: Path | None,
                   metadata: dict[str, Any], warnings: list[ItemWarning]) -> None:
        kind = browser_kind(entry.name, head)
        if kind is not None and db_copy is not None and db_copy.exists():
            self._copy_journal(part, entry, db_copy)
            rows, problems = parse_history(db_copy, kind)
            metadata["browser_history"] = rows
            for problem in problems:
                warnings.append(ItemWarning("browser_history", f"{entry.display_path}: {problem}",
                                            f"{entry.display_path}: lịch sử trình duyệt: {problem}"))
        if is_jpeg(head):
            row = parse_exif(head)
            if row:
                metadata["exif"] = [row]

    def _copy_journal(self, part: Partition, entry: Entry, db_copy: Path) -> None:
        """Copy ``<db>-wal`` from the same directory so rows not yet checkpointed are read too."""
        if entry.parent_inode is None:
            return
        fs = part.fs
        assert fs is not None
        try:
            for sibling in Walker(part, WalkOptions()).walk_inode(entry.parent_inode, entry.parent_path):
                if sibling.name == entry.name + b"-wal" and not sibling.deleted and sibling.has_content:
                    reader = StreamReader(fs.tsk.open_meta(inode=sibling.inode), sibling)
                    with open(str(db_copy) + "-wal", "wb") as out:
                        while data := reader.read(1 << 20):
                            out.write(data)
        except OSError:
            return


class _no_dir:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None
