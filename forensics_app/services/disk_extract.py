"""Which files an extraction takes, and how one file goes into the vault with its locator.

The locator is the file's provenance, detailed enough to find the same bytes
again with any tool: image item, partition and its offset, inode, stream,
original path (escaped for display and as raw bytes), allocation state, recovery
flag, MACB times with precision (and the zone assumed for FAT). Browser history
and EXIF are parsed on the way and stored as rows on the same item.
"""

from __future__ import annotations

import io
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, NamedTuple, Protocol, cast

from collectors.disk import DiskImage, Entry, Partition, StreamReader, Walker, WalkOptions, assess
from collectors.disk.browser import browser_kind, parse_history
from collectors.disk.exif import HEADER_BYTES, is_jpeg, parse_exif
from collectors.disk.ntfs_mft import attribute_sizes
from collectors.disk.recovery import AllocationMap
from collectors.disk.sqlite_memory import MAX_BYTES as SQLITE_MAX_BYTES
from evidence_store import Item, ItemWarning, SourceError, UsageError, iso_utc
from evidence_store.analysis_store import ItemAnalysis
from evidence_store.batch import ReadyItem, ready_details
from evidence_store.blobs import IngestResult
from evidence_store.crypto import DEFAULT_SEGMENT_SIZE
from evidence_store.hashing import optional_algorithms
from evidence_store.item_record import RecordTemplate
from evidence_store.media import sniff
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress
from evidence_store.uids import new_uid

from .disk import entries_for_inode, iter_entries
from .locator_json import encoded_metadata

KIND_FILE = "extracted_file"
_BROWSER_NAMES = (b"History", b"places.sqlite")
# Files up to this size are analysed (text, entities, events) from the bytes in memory as they are stored, instead
# of being read back and decrypted after the commit: for many small files, most of the analysis's cost.
ANALYSE_IN_MEMORY = 1 << 20


@dataclass
class Selection:
    path: str | None = None
    inode: str | None = None
    deleted: bool = False
    all: bool = False

    def check(self) -> None:
        chosen = [x for x in (self.path is not None, self.inode is not None, self.deleted, self.all) if x]
        if len(chosen) != 1:
            raise UsageError("choose exactly one of --path, --inode, --deleted or --all",
                             message_vi="hãy chọn đúng một: đường dẫn, inode, các tệp đã xoá hoặc tất cả")

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
    media_type: str | None = None
    analysis: ItemAnalysis | None = None  # found as it was stored (before it had an id): see analysis.rebind

    def encoded(self) -> EncodedFile:
        """The file as it crosses from a reader process: its metadata encoded (a common locator from templates,
        :mod:`.locator_json`; other metadata is sent as it is), the head left out (no longer needed once sniffed)."""
        metadata, content = self.metadata, self.content
        encoded = encoded_metadata(metadata)
        if content.head:
            content = content._replace(head=b"")
        return EncodedFile(self.name, self.source, self.media_type, self.acquired_at, content, encoded,
                           metadata if encoded is None else None, [warning.to_json() for warning in self.warnings],
                           ready_details(self.details), self.analysis)


class EncodedFile(NamedTuple):
    """A prepared file with its metadata encoded: what a reader process sends (a tuple pickles fast)."""

    name: str
    source: str
    media_type: str | None
    acquired_at: str
    content: IngestResult
    metadata_encoded: tuple[dict[str, bytes], str] | None  # each key's canonical JSON, and the row's JSON
    metadata: dict[str, Any] | None  # only when it could not be encoded from templates
    warnings: list[dict[str, Any]]
    details: dict[str, Any]
    analysis: ItemAnalysis | None

    def ready(self, image_item: Item, examiner_id: int) -> ExtractedFile:
        """The file as a batch commits it (:meth:`.Batch.add_ready`), its record encoded for the examiner who
        commits: done in the committing process, which otherwise waits for the reader (a test holds the record to
        the one the batch would make)."""
        global _template
        content, details = self.content, self.details
        keys = tuple(self.metadata_encoded[0] if self.metadata_encoded is not None else self.metadata or {})
        template = _template
        if template is None or not template.fits(image_item.case_id, image_item.id, examiner_id, keys, details,
                                                 content.hashes):
            template = _template = RecordTemplate(
                kind=KIND_FILE, case_id=image_item.case_id, parent_id=image_item.id, examiner_id=examiner_id,
                metadata_keys=keys, extra_keys=tuple(details), md5="md5" in content.hashes,
                sha1="sha1" in content.hashes)
        record = template.prepare(
            uid=new_uid(), name=self.name, source=self.source, size=content.size, hashes=content.hashes,
            media_type=self.media_type, acquired_at=self.acquired_at, blob=content.blob_name,
            metadata=self.metadata or {}, metadata_encoded=self.metadata_encoded, warnings=self.warnings,
            extra=details)
        return ExtractedFile(ReadyItem(KIND_FILE, self.name, self.source, self.media_type, self.acquired_at, content,
                                       record), details["recovery"], self.analysis)

    def with_image_item(self, item_id: int) -> EncodedFile:
        """The file as if read once the image item had its id: prepared while the image was still being registered
        (hashed), its locator names the item by uid and holds :data:`UNREGISTERED` for the id, replaced here where
        it stands (the encoded locator's ``"image_item"`` key is at its top level; a key in a JSON string would
        have its quotes escaped, so the text below cannot match inside a value)."""
        if self.metadata_encoded is None:
            metadata = dict(self.metadata or {})
            if isinstance(metadata.get("locator"), dict):
                metadata["locator"] = {**metadata["locator"], "image_item": item_id}
            return self._replace(metadata=metadata)
        parts, row = self.metadata_encoded
        canonical = parts["locator"]
        old, new = b'"image_item":%d,"image_item_uid":' % UNREGISTERED, b'"image_item":%d,"image_item_uid":' % item_id
        row_old, row_new = f'{{"locator": {{"image_item": {UNREGISTERED}, ', f'{{"locator": {{"image_item": {item_id}, '
        if canonical.count(old) != 1 or not row.startswith(row_old):
            raise ValueError("the encoded locator does not name the image item where a locator does")
        return self._replace(metadata_encoded=({**parts, "locator": canonical.replace(old, new)},
                                               row_new + row[len(row_old):]))


class ExtractedFile(NamedTuple):
    """A file ready for a batch, with what the extraction counts of it and what was found in it as it was read."""

    item: ReadyItem
    recovery: str
    analysis: ItemAnalysis | None


_template: RecordTemplate | None = None  # the records of the files being prepared (one case, one image)
UNREGISTERED = 0  # the image item's id in a locator made before the item was committed (ids start at 1)


class _Tap(io.RawIOBase):
    """Passes a file's bytes to the vault and keeps its head (and, when asked, all of it in memory)."""

    def __init__(self, reader: StreamReader, keep_all: bool) -> None:
        super().__init__()
        self.reader = reader
        self.head = bytearray()
        self.kept: bytearray | None = bytearray() if keep_all else None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.reader.read(size)
        if len(self.head) < HEADER_BYTES:
            self.head += data[: HEADER_BYTES - len(self.head)]
        if self.kept is not None:
            self.kept += data
        return data


class Extractor:
    def __init__(self, image: DiskImage, image_item: Item | None, *, extra_hashes: tuple[str, ...] = (),
                 cancel: CancelToken = NEVER_CANCELLED, progress: Progress = no_progress,
                 analysis_zone: str | None = None, segment_size: int = DEFAULT_SEGMENT_SIZE) -> None:
        """``analysis_zone``: analyse small files as they are stored, in that zone (None: leave it to after)."""
        self.image = image
        self.analysis_zone = analysis_zone
        self.segment_size = segment_size
        self.image_item = image_item
        self.extra_hashes = optional_algorithms(extra_hashes)
        self.cancel = cancel
        self.progress = progress
        self.warnings: list[ItemWarning] = []
        self.skipped: list[tuple[str, str]] = []  # entries the selection names that have nothing to extract
        self.done_bytes = 0
        self._allocation: dict[int, AllocationMap] = {}
        self._image_path = str(image.path.resolve())
        self._image_name = image.path.name
        self._locator_heads: dict[int, dict[str, Any]] = {}

    def image_registered(self, item: Item) -> None:
        """The image item is committed (the reader began while it was being hashed): locators from now on name
        its id."""
        self.image_item = item
        self._locator_heads.clear()

    # -- choosing ---------------------------------------------------------------
    def select(self, selection: Selection, partition: int | None) -> Generator[Entry, None, None]:
        if selection.inode is not None:
            found = entries_for_inode(self.image, selection.inode, partition)
            with_content = [e for e in found if e.has_content]
            if not with_content:
                reason = next((r for e in found if (r := e.no_content_reason) is not None), "it is a directory")
                raise SourceError(f"inode {selection.inode} has no content to extract: {reason}",
                                  message_vi=f"inode {selection.inode} không có nội dung để trích xuất: {reason}")
            yield from with_content
            return
        if selection.path is not None:
            yield from self._by_path(selection.path, partition)
            return
        listing = iter_entries(self.image, partition=partition, recursive=True, runs="deleted",
                               deleted_only=selection.deleted, cancel=self.cancel)
        try:
            for entry in listing.entries:
                if selection.deleted and not (entry.deleted or entry.orphan):
                    continue
                if entry.has_content:
                    yield entry
                elif (why := entry.no_content_reason) is not None:
                    self.skipped.append((entry.display_path, why))
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
            raise SourceError(f"partition {part.index} has no {path!r} (deleted names included)",
                              message_vi=f"phân vùng {part.index} không có {path!r} (kể cả tên đã xoá)")
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
                              "metadata is gone)",
                              message_vi=f"{path!r} không có nội dung để trích xuất (chỉ mục thư mục hoặc mục đã mất siêu dữ "
                                         "liệu)")
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
        name, path = entry.display_name, entry.display_path
        # a browser database is kept in memory to be parsed (bounded), never written out in plaintext; so is a
        # small file to be analysed
        keep_database = entry.name in _BROWSER_NAMES and entry.size <= SQLITE_MAX_BYTES
        analyse = self.analysis_zone is not None and entry.size <= ANALYSE_IN_MEMORY
        before = self.done_bytes
        acquired = iso_utc()
        kept: bytes | bytearray | None
        if entry.size < self.segment_size:
            content, head, kept = self._ingest_whole(reader, entry.size, name, ingest)
        else:
            content, head, kept = self._ingest_streamed(reader, name, ingest, keep_database or analyse)
        if reader.error:
            recovery.add("read_short")
        self.done_bytes = before + reader.offset
        address = entry.address
        metadata: dict[str, Any] = {"locator": self._locator(part, entry, path, name, address, recovery, reader)}
        warnings = recovery.warnings(path)
        if reader.error:
            warnings.append(ItemWarning("read_error", f"{path}: {reader.error}", f"{path}: lỗi đọc ({reader.error})",
                                        {"offset": reader.offset, "size": entry.size}))
        if reader.not_stored_from is not None:
            warnings.append(self._not_stored(part, entry, reader.not_stored_from, metadata["locator"]))
        self._artifacts(part, entry, head, kept if keep_database else None, metadata, warnings)
        prepared = PreparedFile(content, name, f"{self._image_name}#partition{part.index}:{path}", metadata,
                                tuple(warnings), acquired,
                                {"address": address, "partition": entry.partition, "recovery": recovery.state,
                                 "path": path}, sniff(content.head, name))
        if analyse and kept is not None:
            prepared.analysis = self._analyse(prepared, bytes(kept))
        return prepared

    def _ingest_whole(self, reader: StreamReader, size: int, name: str,
                      ingest: Ingest) -> tuple[IngestResult, bytes, bytes]:
        """A file smaller than one segment (most files of a disk): read whole (one read from TSK, no wrapper
        per read, no progress per block) and handed to ``ingest`` from memory; its bytes are kept for the analysis
        and the parsers at no cost. Returns the result, the head and the bytes."""
        data = reader.read(size)
        while reader.offset < size and (more := reader.read(size - reader.offset)):  # TSK gave less than asked
            data += more
        # not cancelled inside: the callers check between files, and this one is read already
        content = ingest(io.BytesIO(data), extra_hashes=self.extra_hashes, total=size, label=name,
                         progress=no_progress, cancel=NEVER_CANCELLED)
        self.progress(self.done_bytes + len(data), None, name)
        return content, data[:HEADER_BYTES], data

    def _ingest_streamed(self, reader: StreamReader, name: str, ingest: Ingest,
                         keep_all: bool) -> tuple[IngestResult, bytes, bytearray | None]:
        """A larger file streamed through ``ingest`` segment by segment, its head (and, when asked, all of it)
        kept on the way."""
        tap = _Tap(reader, keep_all=keep_all)
        before = self.done_bytes

        def step(done: int, _total: int | None, label: str) -> None:
            self.progress(before + done, None, label)

        try:
            content = ingest(cast(BinaryIO, tap), extra_hashes=self.extra_hashes, total=reader.size, label=name,
                             progress=step, cancel=self.cancel)
        finally:
            tap.close()
        return content, bytes(tap.head), tap.kept

    def _analyse(self, prepared: PreparedFile, data: bytes) -> ItemAnalysis | None:
        """Analysis of a file from its bytes in memory, as :func:`.analysis.analyse_item` does from the vault (the
        same blocks); None when it fails here (the analysis after the commit then reads it back and records why)."""
        from .analysis import analyse_item

        assert self.image_item is not None and self.analysis_zone is not None
        content, step = prepared.content, self.segment_size
        item = Item(id=0, uid="", case_id=self.image_item.case_id, parent_id=self.image_item.id, kind=KIND_FILE,
                    name=prepared.name, source=prepared.source, size=content.size, media_type=prepared.media_type,
                    sha256=content.hashes.get("sha256"), blake3=content.hashes.get("blake3"),
                    md5=content.hashes.get("md5"), sha1=content.hashes.get("sha1"), blob=content.blob_name,
                    acquired_at=prepared.acquired_at, examiner="", metadata=prepared.metadata,
                    warnings=prepared.warnings)
        try:  # not cancelled part-way (a small file, and its temp blob is already written): between files
            return analyse_item(None, item, zone=self.analysis_zone,
                                read=lambda: (data[at:at + step] for at in range(0, max(len(data), 1), step)))
        except Exception:  # noqa: BLE001 - not lost: the analysis after the commit does this item again
            return None

    def _allocation_map(self, part: Partition) -> AllocationMap:
        if part.index not in self._allocation:
            allocation = self._allocation[part.index] = AllocationMap(part)
            if allocation.checkable and not allocation.loaded:
                self.warnings.append(ItemWarning(
                    "allocation_map_unreadable",
                    f"partition {part.index}: the allocation map ($Bitmap or FAT) cannot be read ({allocation.error}):"
                    " no deleted file from it is called exact",
                    f"phân vùng {part.index}: không đọc được bảng cấp phát ($Bitmap hoặc FAT) ({allocation.error}): "
                    "không tệp đã xoá nào được coi là khôi phục chính xác",
                    {"partition": part.index, "error": allocation.error}))
        return self._allocation[part.index]

    def _not_stored(self, part: Partition, entry: Entry, offset: int, locator: dict[str, Any]) -> ItemWarning:
        """No bytes and no error from ``offset``: say what the file system records there (not a read failure)."""
        locator["not_stored_from"] = offset
        sizes = None
        stream = entry.stream
        if part.fs is not None and part.fs.family == "ntfs" and stream is not None and not stream.resident:
            sizes = attribute_sizes(part.fs.tsk, part.read(0, 512), entry.inode, stream.type, stream.id)
        if sizes is not None and sizes["initialised"] <= offset:
            locator["initialised_size"] = sizes["initialised"]
            why_en = (f"NTFS records an initialised size of {sizes['initialised']} bytes: the rest was never "
                      "written and reads as zeros by definition; nothing is missing")
            why_vi = (f"NTFS ghi kích thước đã khởi tạo là {sizes['initialised']} byte: phần còn lại chưa từng được "
                      "ghi và theo định nghĩa đọc ra là số 0; không thiếu gì")
        else:
            why_en = "the file system stores no content there (sparse or never written); it was not read as an error"
            why_vi = "hệ thống tệp không lưu nội dung ở đó (thưa hoặc chưa từng ghi); đây không phải lỗi đọc"
        return ItemWarning("content_not_stored",
                           f"{entry.display_path}: {entry.size - offset} of its {entry.size} bytes, from offset "
                           f"{offset}, are not stored on disk: {why_en}",
                           f"{entry.display_path}: {entry.size - offset} trên {entry.size} byte, từ vị trí {offset}, "
                           f"không được lưu trên đĩa: {why_vi}",
                           {"offset": offset, "size": entry.size, **({"ntfs_sizes": sizes} if sizes else {})})

    def _locator(self, part: Partition, entry: Entry, path: str, name: str, address: str, recovery: Any,
                 reader: StreamReader) -> dict[str, Any]:
        assert self.image_item is not None
        head = self._locator_heads.get(part.index)
        if head is None or head["image_item_uid"] != self.image_item.uid:  # made once per partition and image item
            head = self._locator_head(part)
        locator: dict[str, Any] = {
            **head, "inode": entry.inode, "address": address, "stream": None, "path": path,
            "path_bytes_hex": entry.path.hex(), "name": name, "allocation": entry.allocation, "orphan": entry.orphan,
            "recovery": recovery.state, "recovery_reasons": list(recovery.reasons), "size": entry.size,
            "bytes_read": reader.offset, "times": entry.times,
        }
        if entry.stream is not None and entry.stream.type == 128:
            locator["stream"] = {"type": entry.stream.type, "id": entry.stream.id,
                                 "name": entry.stream.name.decode("utf-8", "backslashreplace")
                                 if entry.stream.name else None, "resident": entry.stream.resident}
        if entry.seq is not None:
            locator["sequence"] = entry.seq
        if part.fs is not None and part.fs.policy.stores_local_time:
            locator["time_zone_assumption"] = part.fs.policy.assumption()
        return locator

    def _locator_head(self, part: Partition) -> dict[str, Any]:
        """What every locator of a partition starts with."""
        assert part.fs is not None and self.image_item is not None
        head = {"image_item": self.image_item.id, "image_item_uid": self.image_item.uid, "image": self._image_path,
                "partition": part.index, "partition_offset": part.offset, "file_system": part.fs.type_name}
        self._locator_heads[part.index] = head
        return head

    def _artifacts(self, part: Partition, entry: Entry, head: bytes, content: bytes | bytearray | None,
                   metadata: dict[str, Any], warnings: list[ItemWarning]) -> None:
        kind = browser_kind(entry.name, head)
        if kind is not None:
            if content is not None:
                rows, problems = parse_history(bytes(content), self._journal(part, entry), kind)
                metadata["browser_history"] = rows
            else:
                problems = [f"the database is {entry.size} bytes, over the {SQLITE_MAX_BYTES >> 20} MiB parsed in "
                            "memory: not parsed (the file itself is in the vault)"]
            for problem in problems:
                warnings.append(ItemWarning("browser_history", f"{entry.display_path}: {problem}",
                                            f"{entry.display_path}: lịch sử trình duyệt: {problem}"))
        if is_jpeg(head):
            row = parse_exif(head)
            if row:
                metadata["exif"] = [row]

    def _journal(self, part: Partition, entry: Entry) -> bytes | None:
        """``<db>-wal`` from the same directory, in memory, so rows not yet checkpointed are read too."""
        if entry.parent_inode is None:
            return None
        fs = part.fs
        assert fs is not None
        try:
            for sibling in Walker(part, WalkOptions()).walk_inode(entry.parent_inode, entry.parent_path):
                if (sibling.name == entry.name + b"-wal" and not sibling.deleted and sibling.has_content
                        and sibling.size <= SQLITE_MAX_BYTES - entry.size):
                    reader = StreamReader(fs.tsk.open_meta(inode=sibling.inode), sibling)
                    return reader.read(sibling.size)
        except OSError:
            return None
        return None
