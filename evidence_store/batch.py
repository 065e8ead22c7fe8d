"""Adding items: streams are encrypted into temp files first, rows are committed together.

A capture (a parent with its screenshot, WARC, ...) or a folder is one batch:
its blobs are written and fsynced while the collector works, and only
:meth:`Batch.commit` renames them into place and inserts the rows and custody
entries, in one transaction under the writer lock. A cancel or error before that
leaves nothing referenced; a crash in between leaves at most an orphan blob that
verify reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from .blobs import NAME_HASH, IngestResult
from .canonical import iso_utc
from .errors import UsageError, VaultDamagedError
from .hashing import optional_algorithms
from .item_record import PreparedRecord, prepare_record
from .media import sniff
from .models import Case, Item, ItemWarning
from .tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress
from .uids import new_uid

_DEDUPE_LOOKUP = 500  # keys per query (well under SQLite's limit on bound parameters)

if TYPE_CHECKING:
    from .custody import Action
    from .vault import Vault



@dataclass
class PendingItem:
    """An item waiting for :meth:`Batch.commit`; becomes :attr:`item` afterwards."""

    kind: str
    name: str
    source: str
    parent: Any
    metadata: dict[str, Any]
    warnings: tuple[ItemWarning, ...]
    acquired_at: str
    media_type: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    content: IngestResult | None = None
    item: Item | None = None
    uid: str | None = None  # chosen ahead, or made at commit


class ReadyItem(NamedTuple):
    """An item with content whose record was encoded ahead (:func:`prepare_item_record`, or a template of it) for
    the batch's case, its parent and the vault's examiner, from these same fields: a disk extraction's reader
    process prepares them by the thousand. It is committed from them as they are and no :class:`Item` is made:
    its id is in :attr:`Batch.ready_ids`. A tuple, as it crosses a pipe."""

    kind: str
    name: str
    source: str
    media_type: str | None
    acquired_at: str
    content: IngestResult
    record: PreparedRecord


class Batch:
    def __init__(self, vault: Vault, case: Case, *, sync_each: bool = True) -> None:
        """``sync_each=False`` for many small items: one file-system sync at commit, not two fsyncs each."""
        case.require_open()
        self.vault = vault
        self.case = case
        self.sync_each = sync_each
        self.pending: list[PendingItem | ReadyItem] = []
        self.committed: list[Item] = []
        self.ready_ids: list[int] = []  # the ids the last commit gave its ready items, in the order they were added
        self._parents_in_case: set[int] = set()  # parent ids already checked (thousands of children share one)

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()

    # -- adding -----------------------------------------------------------------
    def add_record(
        self,
        *,
        kind: str,
        name: str,
        source: str,
        parent: Any = None,
        metadata: dict[str, Any] | None = None,
        warnings: Iterable[ItemWarning] = (),
        acquired_at: str | None = None,
        media_type: str | None = None,
        details: dict[str, Any] | None = None,
        uid: str | None = None,
    ) -> PendingItem:
        """An item without content of its own (a folder, a capture that groups its files).

        ``uid``: one made ahead with :func:`.uids.new_uid`, when others must name the item before it is committed
        (a disk extraction's reader writes the image item's uid into each file's locator while the image is
        still being hashed); by default the commit makes one."""
        pending = PendingItem(
            kind=kind, name=name, source=source, parent=parent, metadata=_json_ready(metadata or {}),
            warnings=tuple(warnings), acquired_at=acquired_at or iso_utc(), media_type=media_type,
            details=details or {}, uid=uid,
        )
        self.pending.append(pending)
        return pending

    def add_content(
        self,
        stream: BinaryIO,
        *,
        kind: str,
        name: str,
        source: str,
        parent: Any = None,
        media_type: str | None = None,
        metadata: dict[str, Any] | None = None,
        warnings: Iterable[ItemWarning] = (),
        extra_hashes: Iterable[str] = (),
        total: int | None = None,
        acquired_at: str | None = None,
        details: dict[str, Any] | None = None,
        progress: Progress = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
        uid: str | None = None,
    ) -> PendingItem:
        """Encrypt and hash ``stream`` now (one pass); the row waits for commit."""
        acquired = acquired_at or iso_utc()
        result = self.vault.blobs.ingest(
            stream, extra_hashes=optional_algorithms(extra_hashes), total=total, label=name,
            progress=progress, cancel=cancel, segment_size=self.vault.config.segment_size,
            sync=self.sync_each,
        )
        return self.add_ingested(
            result, kind=kind, name=name, source=source, parent=parent, media_type=media_type, metadata=metadata,
            warnings=warnings, acquired_at=acquired, details=details, uid=uid,
        )

    def add_ingested(
        self,
        result: IngestResult,
        *,
        kind: str,
        name: str,
        source: str,
        parent: Any = None,
        media_type: str | None = None,
        metadata: dict[str, Any] | None = None,
        warnings: Iterable[ItemWarning] = (),
        acquired_at: str | None = None,
        details: dict[str, Any] | None = None,
        uid: str | None = None,
    ) -> PendingItem:
        """An item whose content was already streamed through this vault's ``blobs.ingest`` (hashed and
        encrypted into a temp blob), e.g. by a worker reading the source in parallel. Like
        :meth:`add_content` from there on: committed with the batch, or its temp blob discarded with it.
        With ``sync_each=False`` the worker may ingest with ``sync=False``: commit syncs the file system."""
        pending = self.add_record(
            kind=kind, name=name, source=source, parent=parent, metadata=metadata, warnings=warnings,
            acquired_at=acquired_at, media_type=media_type or sniff(result.head, name), details=details, uid=uid,
        )
        pending.content = result
        return pending

    def add_ready(self, ready: ReadyItem) -> None:
        """An item whose content was ingested by this vault's ``blobs.ingest`` and whose record is encoded."""
        self.pending.append(ready)

    def add_file(self, path: Path, **kwargs: Any) -> PendingItem:
        with open(path, "rb") as handle:
            return self.add_content(handle, **kwargs)

    # -- finishing --------------------------------------------------------------
    def commit(self) -> list[Item]:
        """Insert every pending item and its custody entry in one transaction."""
        if not self.pending:
            return []
        placed: list[str] = []
        try:
            with self.vault._write():
                done = self._insert_all(placed)
                if not self.sync_each and placed:
                    self.vault.blobs.sync_filesystem()  # contents and renames durable before the rows
        except BaseException:
            for name in placed:  # renamed in this transaction, now referenced by nothing
                self.vault.blobs.path_for(name).unlink(missing_ok=True)
            for pending in self.pending:
                if isinstance(pending, PendingItem):
                    pending.item = None
            self.ready_ids = []
            self.discard()
            raise
        self.pending = []
        self.committed.extend(done)
        return done

    def discard(self) -> None:
        for pending in self.pending:
            if pending.content is not None:
                self.vault.blobs.discard(pending.content)
        self.pending = []

    def _parent_id(self, parent: Any) -> int | None:
        if parent is None:
            return None
        if isinstance(parent, PendingItem):
            if parent.item is None:
                raise UsageError("a parent must be added to the batch before its children",
                                 message_vi="mục cha phải được thêm vào lô trước các mục con")
            return parent.item.id
        parent_id = parent.id if isinstance(parent, Item) else int(parent)
        if parent_id in self._parents_in_case:
            return parent_id
        row = self.vault.conn.execute("SELECT case_id FROM items WHERE id = ?", (parent_id,)).fetchone()
        if row is None or row[0] != self.case.id:
            raise UsageError(f"item {parent_id} is not in case {self.case.number}",
                             message_vi=f"mục {parent_id} không thuộc vụ việc {self.case.number}")
        self._parents_in_case.add(parent_id)
        return parent_id

    def _insert_all(self, placed: list[str]) -> list[Item]:
        """Rows for every pending item, then one insert per table (ids assigned under the writer lock)."""
        conn, signer, case = self.vault.conn, self.vault.signer, self.case
        next_id = int(conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]) + 1
        item_rows: list[tuple[Any, ...]] = []
        blob_rows: list[tuple[Any, ...]] = []
        entries: list[Action] = []
        fresh: dict[str, str] = {}  # dedupe key -> blob placed in this commit
        stored = self._stored_blobs([p.content.dedupe_key for p in self.pending if p.content is not None])
        placed_at = iso_utc()  # the blobs of one commit are placed together
        done: list[Item] = []
        examiner_id, examiner_name, case_id = signer.examiner_id, signer.name, case.id
        case_ref = (case_id, case.uid)
        ready_ids: list[int] = []
        self.ready_ids = ready_ids
        for pending in self.pending:
            if isinstance(pending, ReadyItem):
                record, ready = pending.record, pending.content
                if record.case_id != case_id or record.examiner_id != examiner_id:
                    raise UsageError("an item's record was encoded for another case or examiner",
                                     message_vi="bản ghi của mục được mã hoá cho vụ việc hoặc giám định viên khác")
                parent_id = self._parent_id(record.parent_id)
                ready_blob = self._place_blob(ready, placed, fresh, stored, blob_rows, placed_at)
                if ready_blob != record.blob:  # the same content was stored already
                    record = record.with_blob(ready_blob)
                hashes = ready.hashes
                item_rows.append((
                    next_id, record.uid, case_id, parent_id, pending.kind, pending.name, pending.source,
                    ready.size, pending.media_type, hashes["sha256"], hashes["blake3"], hashes.get("md5"),
                    hashes.get("sha1"), ready_blob, pending.acquired_at, examiner_id, record.metadata_json,
                    record.warnings_json))
                entries.append(("item.acquire", case_ref, (next_id, record.uid), record.details_json(next_id)))
                ready_ids.append(next_id)
                next_id += 1
                continue
            content = pending.content
            if content is not None:
                blob_name = self._place_blob(content, placed, fresh, stored, blob_rows, placed_at)
                hashes, size = content.hashes, content.size
            else:
                blob_name, hashes, size = None, {}, None
            parent_id = self._parent_id(pending.parent)
            record = prepare_item_record(
                uid=pending.uid or new_uid(), case_id=case_id, parent_id=parent_id, examiner_id=examiner_id,
                blob=blob_name,
                kind=pending.kind, name=pending.name, source=pending.source, media_type=pending.media_type,
                content=content, acquired_at=pending.acquired_at, metadata=pending.metadata,
                warnings=pending.warnings, details=pending.details)
            sha256, blake3, md5, sha1 = hashes.get("sha256"), hashes.get("blake3"), hashes.get("md5"), hashes.get("sha1")
            item = Item(next_id, record.uid, case_id, parent_id, pending.kind, pending.name, pending.source, size,
                        pending.media_type, sha256, blake3, md5, sha1, blob_name, pending.acquired_at, examiner_name,
                        pending.metadata, pending.warnings)
            pending.item = item
            done.append(item)
            item_rows.append((
                next_id, record.uid, case_id, parent_id, pending.kind, pending.name, pending.source, size,
                pending.media_type, sha256, blake3, md5, sha1, blob_name, pending.acquired_at, examiner_id,
                record.metadata_json, record.warnings_json,
            ))
            entries.append(("item.acquire", case_ref, (next_id, record.uid), record.details_json(next_id)))
            next_id += 1
        if blob_rows:  # a plain insert: OR REPLACE (with the foreign keys on) would have SQLite copy each page a
            # row touches into a statement journal first, for every row (measured: a sixth of an extraction's SQL)
            conn.executemany(
                "INSERT INTO blobs (name, dedupe_key, size, cipher_size, sha256, blake3, created_at, key_epoch,"
                " name_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", blob_rows)
        conn.executemany(
            "INSERT INTO items (id, uid, case_id, parent_id, kind, name, source, size, media_type, sha256, blake3,"
            " md5, sha1, blob_name, acquired_at, examiner_id, metadata, warnings)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", item_rows)
        self.vault.custody.append_many(signer, entries)
        return done

    def _stored_blobs(self, keys: list[str]) -> dict[str, list[str]]:
        """Blobs already in the vault for these dedupe keys: one query per few hundred keys, not one per item."""
        found: dict[str, list[str]] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _DEDUPE_LOOKUP):
            chunk = unique[start:start + _DEDUPE_LOOKUP]
            marks = ",".join("?" * len(chunk))
            for key, name in self.vault.conn.execute(
                    f"SELECT dedupe_key, name FROM blobs WHERE dedupe_key IN ({marks})", chunk):
                found.setdefault(key, []).append(str(name))
        return found

    def _place_blob(self, content: IngestResult, placed: list[str], fresh: dict[str, str],
                    stored: dict[str, list[str]], blob_rows: list[tuple[Any, ...]], placed_at: str) -> str:
        """Reuse a stored blob with the same plaintext, else move this one into place."""
        if content.dedupe_key in fresh:
            self.vault.blobs.discard(content)
            return fresh[content.dedupe_key]
        for name in stored.get(content.dedupe_key, ()):
            if self.vault.blobs.exists(name):
                self.vault.blobs.discard(content)
                return name
            raise VaultDamagedError(
                f"the vault holds this content already, as blob {name}, and that blob's file is missing: the vault is "
                "damaged; nothing was added", remedy="vault_verify",
                message_vi=f"kho đã lưu nội dung này (khối dữ liệu {name}) nhưng tệp của khối đó bị mất: kho bị hư "
                           "hỏng; chưa thêm gì")
        name = self.vault.blobs.commit(content, sync=self.sync_each)
        placed.append(name)
        fresh[content.dedupe_key] = name
        blob_rows.append((name, content.dedupe_key, content.size, content.cipher_size, content.hashes["sha256"],
                          content.hashes["blake3"], placed_at, self.vault.config.epoch, NAME_HASH))
        return name


def prepare_item_record(*, uid: str, case_id: int, parent_id: int | None, examiner_id: int, blob: str | None,
                        kind: str, name: str, source: str, media_type: str | None, content: IngestResult | None,
                        acquired_at: str, metadata: dict[str, Any], warnings: Iterable[ItemWarning],
                        details: dict[str, Any],
                        metadata_encoded: tuple[dict[str, bytes], str] | None = None) -> PreparedRecord:
    """What the custody log fixes about an item at acquisition (its whole record; verify compares rows to it),
    encoded before the item has its id: at commit, or ahead in a reader process (:attr:`PendingItem.record`).
    ``metadata_encoded``: see :func:`.item_record.prepare_record`."""
    hashes = content.hashes if content is not None else {}
    row = {"kind": kind, "name": name, "source": source, "parent_id": parent_id,
           "size": content.size if content is not None else None, "sha256": hashes.get("sha256"),
           "blake3": hashes.get("blake3"), "md5": hashes.get("md5"), "sha1": hashes.get("sha1"),
           "media_type": media_type, "acquired_at": acquired_at, "uid": uid, "case_id": case_id,
           "examiner_id": examiner_id, "blob": blob, "metadata": metadata, "warnings": [w.to_json() for w in warnings]}
    return prepare_record(row, ready_details(details), metadata_encoded=metadata_encoded)


def ready_details(details: dict[str, Any]) -> dict[str, Any]:
    """An entry's extra details as the custody log takes them (JSON-ready: floats as strings, tuples as lists)."""
    if all(type(value) in _SCALARS for value in details.values()):  # most details are: nothing to convert
        return details
    return _json_ready(details)  # type: ignore[no-any-return]


_SCALARS = (str, int, bool, type(None))


def _json_ready(value: Any) -> Any:
    """Metadata must survive canonical JSON: floats become strings, tuples lists."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value
