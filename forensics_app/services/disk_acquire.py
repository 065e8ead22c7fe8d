"""Disk images into the vault: register an image (hashed whole, E01 hash verified), extract files.

``add_image`` reads the media once and feeds MD5, SHA-1, SHA-256 and BLAKE3 from
the same buffers (and, with ``copy``, the vault's encrypting ingest in that same
pass). ``extract`` streams each selected file through the vault as an
``extracted_file`` child of the image item, with its locator (partition, inode,
stream, original path, allocation, recovery flag, MACB times) as provenance. Large
extractions are committed in chunks so memory stays bounded; a cancel discards
only the chunk in progress, whose items were never committed.
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, cast

from collectors.disk import DiskImage, Entry
from collectors.disk.containers import Container
from evidence_store import Batch, Case, Item, ItemWarning, MultiHasher, SourceError, UsageError, Vault, iso_utc
from evidence_store.blobs import IngestResult
from evidence_store.errors import Cancelled, VaultError
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress
from evidence_store.uids import new_uid

from . import case_access
from .disk import open_image, tool_versions
from .disk_extract import UNREGISTERED, ExtractedFile, Extractor, Selection
from .disk_pipeline import ReaderJob, ReaderProcess, can_start_readers, fewer_collections

CHUNK = 4 << 20
KIND_IMAGE = "disk_image"
_LOGGED = 200  # skipped entries and warnings quoted in the custody entry (the counts are always whole)


@dataclass
class AddResult:
    item: Item
    hashes: dict[str, str]
    verification: dict[str, Any]
    warnings: list[ItemWarning] = field(default_factory=list)


@dataclass
class ExtractResult:
    image_item: Item
    extracted: int = 0
    bytes: int = 0
    possibly_incomplete: int = 0
    item_ids: list[int] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[ItemWarning] = field(default_factory=list)
    image_added: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"image_item": self.image_item.id, "image_added": self.image_added, "extracted": self.extracted,
                "bytes": self.bytes, "possibly_incomplete": self.possibly_incomplete, "items": self.item_ids,
                "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
                "warnings": [w.to_json() for w in self.warnings]}


def local_zone_for(vault: Vault, explicit: str | None) -> str:
    from .settings import get

    return explicit or str(get(vault, "timezone"))


# -- registering an image ----------------------------------------------------------
class _MediaStream(io.RawIOBase):
    """The container's media data as a sequential stream (what E01 hashes are computed over)."""

    def __init__(self, container: Container) -> None:
        super().__init__()
        self._container = container
        self._offset = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        remaining = self._container.size - self._offset
        if remaining <= 0:
            return b""
        want = remaining if size is None or size < 0 else min(size, remaining)
        data = self._container.read(self._offset, want)
        if not data:
            raise SourceError(f"the image ends early: no data at offset {self._offset} of {self._container.size}",
                              message_vi=f"ảnh đĩa kết thúc sớm: không có dữ liệu ở vị trí {self._offset} trên tổng "
                                         f"{self._container.size}")
        self._offset += len(data)
        return data


def hash_media(container: Container, progress: Progress = no_progress,
               cancel: CancelToken = NEVER_CANCELLED) -> dict[str, str]:
    """MD5, SHA-1, SHA-256 and BLAKE3 in one read of the media; two hashing threads overlap the reads.

    The pairs take about the same time where SHA has CPU instructions (1.8 against 1.7 ms per MB measured here;
    SHA-256 with MD5 took 2.3 while SHA-1 with BLAKE3 waited at 1.1).
    """
    groups = (MultiHasher(("md5", "blake3")), MultiHasher(("sha256", "sha1")))
    stream = _MediaStream(container)
    done = 0
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="image-hash") as pool:
        pending: list[Any] = []
        while True:
            cancel.check()
            data = stream.read(CHUNK)
            for future in pending:
                future.result()
            if not data:
                break
            pending = [pool.submit(group.update, data) for group in groups]
            done += len(data)
            progress(done, container.size, container.path.name)
    return groups[0].hexdigests() | groups[1].hexdigests()


def verification(container: Container, hashes: dict[str, str]) -> tuple[dict[str, Any], list[ItemWarning]]:
    """Compare the hashes stored in the container (E01) with those just computed."""
    stored = container.stored_hashes
    compared = {name: {"stored": value, "computed": hashes.get(name), "match": value == hashes.get(name)}
                for name, value in stored.items() if name in hashes}
    if not compared:
        return {"result": "no stored hash", "compared": {}}, []
    if all(c["match"] for c in compared.values()):
        return {"result": "verified", "compared": compared}, []
    bad = ", ".join(f"{n.upper()} stored {c['stored']} computed {c['computed']}"
                    for n, c in compared.items() if not c["match"])
    warning = ItemWarning("stored_hash_mismatch", f"the image does NOT match the hash stored at acquisition: {bad}",
                          f"ảnh đĩa KHÔNG khớp giá trị băm lưu khi thu thập: {bad}", {"compared": compared})
    return {"result": "mismatch", "compared": compared}, [warning]


def _source_files(container: Container) -> list[dict[str, Any]]:
    files = []
    for path in container.segments:
        st = path.stat()
        files.append({"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns})
    return files


def find_image_item(vault: Vault, case: Case, container: Container) -> Item | None:
    """The image item already registered in ``case`` for these same files, if any."""
    files = _source_files(container)
    for item in vault.list_items(case.id, kind=KIND_IMAGE):
        if item.metadata.get("source_files") == files:
            return item
    return None


def add_image(vault: Vault, case_ref: str | int, path: Path | str, *, copy: bool = False,
              local_zone: str | None = None, progress: Progress = no_progress,
              cancel: CancelToken = NEVER_CANCELLED) -> AddResult:
    case = case_access.reach_case(vault, case_ref, "disk add")  # an image already there is shown: the case's item
    zone = local_zone_for(vault, local_zone)
    with open_image(path, local_zone=zone, require_file_system=False) as image:
        existing = find_image_item(vault, case, image.container)
        if existing is not None:
            raise UsageError(f"{image.path} is already registered in case {case.number} as item {existing.id}",
                             message_vi=f"{image.path} đã được đăng ký trong vụ việc {case.number} là mục {existing.id}")
        return _register(vault, case, image, copy=copy, progress=progress, cancel=cancel)


def _register(vault: Vault, case: Case, image: DiskImage, *, copy: bool, progress: Progress,
              cancel: CancelToken, uid: str | None = None) -> AddResult:
    container = image.container
    described = image.describe()
    metadata: dict[str, Any] = {
        "container": described["container"], "partitions": described["partitions"],
        "partition_table": described["partition_table"], "table": described["table"],
        "source_files": _source_files(container), "copied": copy, "tools": tool_versions(),
        "fat_time_zone_assumed": image.local_zone,
    }
    warnings = list(image.warnings)
    started = iso_utc()
    with vault.batch(case) as batch:
        if copy:
            pending = batch.add_content(cast(BinaryIO, _MediaStream(container)), kind=KIND_IMAGE, name=container.path.name,
                                        source=str(container.path.resolve()), metadata=metadata,
                                        extra_hashes=("md5", "sha1"), total=container.size,
                                        media_type="application/octet-stream", progress=progress, cancel=cancel,
                                        details={"copied": True}, uid=uid)
            assert pending.content is not None
            hashes = dict(pending.content.hashes)
        else:
            hashes = hash_media(container, progress, cancel)
            pending = batch.add_record(kind=KIND_IMAGE, name=container.path.name,
                                       source=str(container.path.resolve()), metadata=metadata,
                                       media_type="application/octet-stream", details={"copied": False}, uid=uid)
        verdict, problems = verification(container, hashes)
        warnings.extend(problems)
        metadata["hashes"] = {k: hashes[k] for k in ("md5", "sha1", "sha256", "blake3") if k in hashes}
        metadata["hashed_over"] = "media data" if container.format in ("ewf", "vmdk", "vhd", "qcow") else "image bytes"
        metadata["verification"] = verdict
        metadata["hashing_started_at"] = started
        pending.metadata = metadata
        pending.warnings = tuple(warnings)
        pending.details = {**pending.details, "media_hashes": metadata["hashes"], "verification": verdict["result"]}
    assert pending.item is not None
    return AddResult(pending.item, metadata["hashes"], verdict, warnings)


# -- extracting files ----------------------------------------------------------------
def resolve_image_item(vault: Vault, case: Case, image: DiskImage, image_item: int | str | None,
                       progress: Progress, cancel: CancelToken) -> tuple[Item, bool]:
    found = registered_image_item(vault, case, image, image_item)
    if found is not None:
        return found, False
    return _register(vault, case, image, copy=False, progress=progress, cancel=cancel).item, True


def registered_image_item(vault: Vault, case: Case, image: DiskImage, image_item: int | str | None) -> Item | None:
    """The image's item in ``case`` (the one named, checked, or the one registered from the same files), or None."""
    if image_item is not None:
        item = vault.get_item(image_item)
        if item.kind != KIND_IMAGE or item.case_id != case.id:
            raise UsageError(f"item {item.id} is not a disk image of case {case.number}",
                             message_vi=f"mục {item.id} không phải ảnh đĩa của vụ việc {case.number}")
        if item.metadata.get("source_files") != _source_files(image.container):
            raise UsageError(f"item {item.id} was registered from other image files than {image.path}",
                             message_vi=f"mục {item.id} được đăng ký từ các tệp ảnh khác với {image.path}")
        return item
    return find_image_item(vault, case, image.container)


def _unregistered_image_item(case: Case, image: DiskImage) -> Item:
    """The item an image will be registered as, known by the uid chosen for it here (its id comes at commit)."""
    return Item(id=UNREGISTERED, uid=new_uid(), case_id=case.id, parent_id=None, kind=KIND_IMAGE,
                name=image.container.path.name, source=str(image.container.path.resolve()), size=None,
                media_type="application/octet-stream", sha256=None, blake3=None, md5=None, sha1=None, blob=None,
                acquired_at=iso_utc(), examiner="", metadata={}, warnings=())


def extract(vault: Vault, case_ref: str | int, path: Path | str, selection: Selection, *,
            partition: int | None = None, image_item: int | str | None = None, extra_hashes: tuple[str, ...] = (),
            local_zone: str | None = None, chunk_items: int = 5000, chunk_bytes: int = 1 << 30,
            parallel: bool | None = None, readers: int | None = None, progress: Progress = no_progress,
            cancel: CancelToken = NEVER_CANCELLED) -> ExtractResult:
    """Stream the selected files into the vault as children of the image item (registered if needed).

    ``parallel`` (default: on Linux, for every selection but ``--inode``) reads the image in other processes
    (:mod:`.disk_pipeline`: forked from the main thread, the CLI; started by a fork server from a GUI worker
    thread); the items, their order and their custody entries are the same.
    """
    case = case_access.reach_case(vault, case_ref, "disk extract")
    selection.check()
    zone = local_zone_for(vault, local_zone)
    with open_image(path, local_zone=zone) as image, fewer_collections():
        if partition is not None:
            image.partition(partition)  # a clear error before anything is registered
        from .analysis import auto_zone

        analysis_zone = auto_zone(vault)
        extractor = Extractor(image, None, extra_hashes=extra_hashes, cancel=cancel, progress=progress,
                              analysis_zone=analysis_zone, segment_size=vault.config.segment_size)
        selected = extractor.select(selection, partition)
        first = next(selected, None)  # selection errors (no such path, bad inode) surface here
        entries = itertools.chain([first] if first is not None else [], selected)
        if parallel is None:
            parallel = selection.inode is None and can_start_readers()
        reader: ReaderProcess | None = None
        if parallel and first is not None:
            selected.close()
            extractor.warnings.clear()  # the reader walks again and reports every warning and skip
            extractor.skipped.clear()
            # A new image is hashed whole to be registered: the readers start first, on the other cores, and
            # hold what they prepare until the item has its id (its uid is chosen here).
            known = registered_image_item(vault, case, image, image_item)
            reader = ReaderProcess(ReaderJob(str(image.path), zone, selection, partition,
                                             known or _unregistered_image_item(case, image), extractor.extra_hashes,
                                             vault.blobs, vault.config.segment_size, vault.signer.examiner_id,
                                             analysis_zone),
                                   readers=readers, image_pending=known is None)
            try:
                item = known or _register(vault, case, image, copy=False, progress=progress, cancel=cancel,
                                          uid=reader.image_item.uid).item
            except BaseException:
                reader.stop()
                raise
            if known is None:
                reader.image_registered(item)
            added = known is None
        else:
            item, added = resolve_image_item(vault, case, image, image_item, progress, cancel)
        extractor.image_item = item
        result = ExtractResult(item, image_added=added)
        files = reader.files(cancel, progress) if reader is not None else _read_here(vault, extractor, entries,
                                                                                    result.skipped)
        batch: Batch | None = None
        chunk: list[ExtractedFile] = []
        chunk_size = 0
        try:
            for extracted in files:
                if batch is None:
                    batch = vault.batch(case, sync_each=False)
                batch.add_ready(extracted.item)
                chunk.append(extracted)
                chunk_size += extracted.item.content.size
                if len(chunk) >= chunk_items or chunk_size >= chunk_bytes:
                    _commit(batch, result, chunk)
                    batch, chunk, chunk_size = None, [], 0
            if batch is not None:
                _commit(batch, result, chunk)
                batch = None
        except BaseException as exc:
            if reader is not None:
                reader.stop()
            if batch is not None:
                batch.discard()
            _gather(result, extractor, reader)
            _log(vault, item, selection, result, cancelled=isinstance(exc, (Cancelled, KeyboardInterrupt)),
                 failure=exc)
            raise
        if reader is not None:
            reader.close()
        _gather(result, extractor, reader)
        _log(vault, item, selection, result, cancelled=False)
        _analyse(vault, item, result, cancel)
        return result


def _analyse(vault: Vault, image: Item, result: ExtractResult, cancel: CancelToken) -> None:
    """Search index, entities and timeline of the extracted files, as after every acquisition."""
    if result.item_ids:
        from .analysis import after_commit

        after_commit(vault, vault.get_case(image.case_id), [image], cancel=cancel)


def _read_here(vault: Vault, extractor: Extractor, entries: Iterator[Entry],
               skipped: list[tuple[str, str]]) -> Iterator[ExtractedFile]:
    """Files prepared in this process (one core), for selections of a few files or without fork."""
    def ingest(stream: BinaryIO, **options: Any) -> IngestResult:
        return vault.blobs.ingest(stream, segment_size=vault.config.segment_size, sync=False, **options)

    assert extractor.image_item is not None
    for entry in entries:
        extractor.cancel.check()
        prepared = extractor.prepare(entry, skipped, ingest)
        if prepared is not None:
            yield prepared.encoded().ready(extractor.image_item, vault.signer.examiner_id)


def _gather(result: ExtractResult, extractor: Extractor, reader: ReaderProcess | None) -> None:
    if reader is not None:
        result.skipped.extend(reader.skipped)
        result.warnings.extend(reader.warnings)
    result.skipped.extend(extractor.skipped)
    result.warnings.extend(extractor.warnings)


def _commit(batch: Batch, result: ExtractResult, chunk: list[ExtractedFile]) -> None:
    """Commit a chunk of extracted files, then store what the reader found in them (an item left unanalysed by a
    failure here is analysed by the pass after the extraction)."""
    from .analysis import rebind, store_analysed

    batch.commit()
    ids, case_id = batch.ready_ids, batch.case.id
    found = [rebind(extracted.analysis, item_id, case_id)
             for extracted, item_id in zip(chunk, ids, strict=True) if extracted.analysis is not None]
    if found:
        store_analysed(batch.vault, batch.case, found)
    result.extracted += len(ids)
    result.bytes += sum(extracted.item.content.size for extracted in chunk)
    result.item_ids.extend(ids)
    result.possibly_incomplete += sum(extracted.recovery == "possibly incomplete" for extracted in chunk)


def _log(vault: Vault, item: Item, selection: Selection, result: ExtractResult, *, cancelled: bool,
         failure: BaseException | None = None) -> None:
    """The ``disk.extract`` custody entry on the image item: what was taken, what was not and why.

    When the extraction stopped on an error or a cancel and this entry cannot be written either, the
    examiner must learn both: a :class:`VaultError` says so, chained to the custody failure.
    """
    try:
        vault.log("disk.extract", item=item, details={
            "selection": selection.to_json(), "extracted": result.extracted, "bytes": result.bytes,
            "possibly_incomplete": result.possibly_incomplete, "skipped": len(result.skipped),
            "skipped_first": [{"path": p, "reason": r} for p, r in result.skipped[:_LOGGED]],
            "warnings": [{"code": w.code, "message": w.message} for w in result.warnings[:_LOGGED]],
            "warnings_total": len(result.warnings), "cancelled": cancelled,
            "stopped_by": None if failure is None or cancelled else f"{type(failure).__name__}: {failure}",
            "pid": os.getpid()})
    except Exception as exc:
        if failure is None:
            raise
        what = "cancelled" if cancelled else f"stopped by an error ({failure})"
        raise VaultError(f"the extraction was {what} after {result.extracted} file(s) were committed, and its "
                         f"custody entry could not be written: {exc}",
                         message_vi=f"việc trích xuất đã {'bị dừng' if cancelled else 'dừng vì lỗi'} sau khi {result.extracted}"
                                    f" tệp được ghi, và không ghi được mục nhật ký lưu giữ chứng cứ của nó: {exc}") from exc


def iter_selected(image: DiskImage, selection: Selection, partition: int | None) -> Iterator[Entry]:
    """The entries a selection names (exposed for the GUI's preview of an extraction)."""
    return Extractor(image, None, ).select(selection, partition)
