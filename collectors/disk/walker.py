"""Walking a file system the way ``fls -r`` does, lazily, one directory at a time.

pytsk3 pitfalls handled here (see DESIGN.md): for deleted NTFS names
``entry.info.meta`` is None, so the metadata is opened from the name's address
and accepted only when the sequence numbers say it is still the same file (NTFS
adds one to the sequence number when it frees an entry); ``$OrphanFiles`` is a
virtual directory listed once under the root; directory loops (a damaged or
hostile image) are cut with a warning instead of recursing forever.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytsk3

from evidence_store.errors import one_line
from evidence_store.models import ItemWarning
from evidence_store.tasks import NEVER_CANCELLED, CancelToken

from . import apfs
from .entries import (
    META_TYPE,
    NAME_TYPE,
    NTFS_DATA,
    NTFS_FILE_NAME,
    NTFS_INDEX_ROOT,
    ORPHAN_DIR,
    Entry,
    ListingText,
    Stream,
)
from .image import Partition
from .ntfs_mft import unreadable_records
from .timestamps import TimePolicy, epochs, filetime, raw_times

MAX_DEPTH = 512
TEXT_BATCH = 1000  # entries of JSON text handed out at once (one message from a listing worker)
_ALLOC = int(pytsk3.TSK_FS_NAME_FLAG_ALLOC)
_META_ALLOC = int(pytsk3.TSK_FS_META_FLAG_ALLOC)
_NON_RESIDENT = int(pytsk3.TSK_FS_ATTR_NONRES)
_SPARSE = int(pytsk3.TSK_FS_ATTR_RUN_FLAG_SPARSE) | int(pytsk3.TSK_FS_ATTR_RUN_FLAG_FILLER)
_DIR_TYPES = ("d", "V")


@dataclass
class WalkOptions:
    recursive: bool = False
    deleted_only: bool = False
    file_name_times: bool = False  # timeline: NTFS $FILE_NAME times and body-file epochs; costs a read per file
    runs: bool | str = False  # block runs of each stream (search, recovery checks); "deleted": only theirs


@dataclass
class Walker:
    """Lists entries of one partition's file system; warnings collect as data."""

    partition: Partition
    options: WalkOptions = field(default_factory=WalkOptions)
    cancel: CancelToken = NEVER_CANCELLED
    warnings: list[ItemWarning] = field(default_factory=list)

    def __post_init__(self) -> None:
        assert self.partition.fs is not None
        self.fs = self.partition.fs.tsk
        self.family = self.partition.fs.family
        self.policy: TimePolicy = self.partition.fs.policy
        self._listed: dict[int, int] = {}
        self._short_names = self.family in ("fat", "ntfs")  # 8.3 names; elsewhere reading one costs for nothing
        options = self.options
        # the common case, built inline: every entry, or (runs of deleted files only, as an extraction asks) every
        # live one; NTFS has several streams per file and $FILE_NAME times are read from the file
        self._plain = self.family != "ntfs" and options.runs in (False, None, "deleted") and not options.file_name_times
        self._runs_of_deleted = options.runs == "deleted"

    # -- public -----------------------------------------------------------------
    def walk(self, path: bytes | str = b"/") -> Iterator[Entry]:
        """Entries under ``path`` (its children; all descendants when recursive)."""
        if self.family == "apfs":
            raw = path.encode("utf-8", "surrogateescape") if isinstance(path, str) else path
            for entry in apfs.walk(self.fs, self.partition.index, self.policy, raw, **self._apfs_options()):
                if not self.options.deleted_only or entry.deleted or entry.orphan:
                    yield entry
            return
        directory, parent_path, inode = self.open_path(path)
        yield from self._walk_dir(directory, parent_path, inode, (inode,), orphan=parent_path.startswith(ORPHAN_DIR))
        if self.family == "ntfs" and self.options.recursive and not parent_path:
            self.warn_unreadable_records()

    def warn_unreadable_records(self) -> None:
        """Files TSK leaves out of every listing because their MFT record cannot be parsed: said, not silent."""
        for entry, name, reason in unreadable_records(self.fs, self.partition.read(0, 512), self.cancel):
            shown = name if name is not None else "?"
            self._warn("mft_entry_unreadable",
                       f"MFT entry {entry} ({shown}) cannot be read ({reason}): that file and its streams are "
                       "missing from this listing and cannot be extracted",
                       f"không đọc được bản ghi MFT {entry} ({shown}) ({reason}): tệp đó và các luồng dữ liệu của "
                       "nó không có trong danh sách và không trích xuất được", inode=entry, name=name)

    def subtree_json(self, parent_path: bytes, name: bytes, inode: int, root_inode: int,
                     orphan: bool) -> Iterator[bytes]:
        """The JSON text of everything below the directory ``name`` (inode ``inode``) of the root directory,
        as :meth:`walk` lists it after that directory's own entry (a parallel listing gives each subtree to a
        worker): each entry as ``json_bytes`` writes it, joined by ``,\\n  ``, :data:`TEXT_BATCH` entries at
        a time. Common entries are written from pytsk3's fields, no :class:`Entry` built."""
        text = ListingText(self.partition.index, self.policy)
        self._listed[root_inode] = self._listed.get(root_inode, 0) + 1
        yield from self._descend(parent_path, name, inode, (root_inode,), orphan, text)
        if text.texts:
            yield text.take()

    def walk_inode(self, inode: int, parent_path: bytes) -> Iterator[Entry]:
        """Children of the directory at ``inode`` (lazy listing for a browser)."""
        if self.family == "apfs":
            for entry in apfs.walk_inode(self.fs, inode, parent_path, self.partition.index, self.policy,
                                         **self._apfs_options()):
                if not self.options.deleted_only or entry.deleted or entry.orphan:
                    yield entry
            return
        directory = self._open_dir_inode(inode)
        if directory is None:
            return
        yield from self._walk_dir(directory, parent_path, inode, (inode,), orphan=parent_path.startswith(ORPHAN_DIR))

    def open_path(self, path: bytes | str) -> tuple[Any, bytes, int]:
        from evidence_store.errors import SourceError

        raw = path.encode("utf-8", "surrogateescape") if isinstance(path, str) else path
        raw = b"/" + raw.strip(b"/") if raw.strip(b"/") else b"/"
        try:
            directory = self.fs.open_dir(path=raw.decode("utf-8", "surrogateescape"))
        except (OSError, UnicodeEncodeError) as exc:
            raise SourceError(f"partition {self.partition.index}: no directory {raw.decode('utf-8', 'replace')!r}"
                              " (or it cannot be read)",
                              message_vi=f"phân vùng {self.partition.index}: không có thư mục {raw.decode('utf-8', 'replace')!r}"
                                         " (hoặc không đọc được)") from exc
        inode = int(directory.info.fs_file.meta.addr) if directory.info.fs_file.meta else 0
        return directory, raw.strip(b"/"), inode

    def entries_for_file(self, tsk_file: Any, parent_path: bytes, name: bytes, orphan: bool = False) -> list[Entry]:
        """Entries for a file opened by inode (``--inode``); the name is what we know of it."""
        if self.family == "apfs":
            entry = apfs.entry_for(tsk_file.entry, parent_path, self.partition.index, self.policy,
                                   bool(self.options.runs), self.partition.fs.block_size if self.partition.fs else 4096,
                                   None)
            entry.orphan = orphan
            return [entry]
        meta = tsk_file.info.meta
        return self._entries(tsk_file, meta, None, parent_path, name, orphan, None)

    # -- internals --------------------------------------------------------------
    def _apfs_options(self) -> dict[str, Any]:
        assert self.partition.fs is not None
        runs = self.options.runs is True  # APFS lists no deleted files, so runs="deleted" needs none
        return {"recursive": self.options.recursive, "runs": runs, "block_size": self.partition.fs.block_size,
                "cancel": self.cancel, "warn": self._warn}

    def _open_dir_inode(self, inode: int) -> Any:
        try:
            return self.fs.open_dir(inode=inode)
        except OSError as exc:
            self._warn("directory_unreadable", f"directory at inode {inode} cannot be listed: {one_line(exc, last=True)}",
                       f"không liệt kê được thư mục (inode {inode}): {one_line(exc, last=True)}", inode=inode)
            return None

    def _walk_dir(self, directory: Any, parent_path: bytes, dir_inode: int, stack: tuple[int, ...],
                  orphan: bool, text: ListingText | None = None) -> Iterator[Any]:
        """Depth first, like ``fls -r``: a directory's children follow it directly.

        Yields the entries; with ``text``, gathers their JSON text there instead and yields it
        joined, :data:`TEXT_BATCH` entries at a time (the rest stays in ``text``)."""
        self._listed[dir_inode] = self._listed.get(dir_inode, 0) + 1
        followed: set[int] = set()
        check = self.cancel.check
        deleted_only = self.options.deleted_only
        recursive = self.options.recursive
        in_orphans = orphan or parent_path == ORPHAN_DIR
        plain = self._plain  # the common case, built inline: a listing of a million entries is mostly this
        runs_of_deleted = self._runs_of_deleted  # then a deleted entry takes the full path, which reads its runs
        index, policy, short_names = self.partition.index, self.policy, self._short_names
        # the writer of this directory's common entries, from their fields (no Entry built)
        write = (text.directory(parent_path, in_orphans)
                 if text is not None and plain and not short_names and not runs_of_deleted else None)
        texts = text.texts if text is not None else []
        # cancel: checked per entry, or for text at each batch and directory (a check costs as much as 10% of
        # writing an entry); text of deleted entries only may skip many entries between batches
        check_each = text is None or deleted_only
        check()
        try:
            for tsk_entry in directory:  # pytsk3 wrappers are read once each: every access builds an object
                if check_each:
                    check()
                info = tsk_entry.info
                name = info.name
                raw = name.name
                if not raw or raw == b"." or raw == b"..":
                    continue
                meta = info.meta if plain else None
                if meta is not None and runs_of_deleted and not (name.flags & _ALLOC and meta.flags & _META_ALLOC):
                    meta = None  # Entry.deleted: its runs are wanted
                if meta is not None:  # pytsk3 (pinned) gives these fields as int and names as bytes already
                    meta_type = META_TYPE.get(meta.type, "-")
                    name_type = NAME_TYPE.get(name.type, "-")
                    inode = name.meta_addr
                    name_allocated, meta_allocated = name.flags & _ALLOC != 0, meta.flags & _META_ALLOC != 0
                    if not deleted_only or not name_allocated or not meta_allocated or in_orphans:  # Entry.deleted
                        times = (meta.mtime, meta.mtime_nano, meta.atime, meta.atime_nano, meta.ctime,
                                 meta.ctime_nano, meta.crtime, meta.crtime_nano)  # raw_times(meta), inline
                        link = bytes(meta.link) if meta_type == "l" and meta.link else None
                        if (write is None or link is not None
                                or not write(raw, inode, name_type, meta_type, name_allocated, meta_allocated,
                                             meta.size, meta.mode, meta.uid, meta.gid, times)):
                            entry = Entry(index, parent_path, raw, inode, name_type, meta_type, name_allocated,
                                          meta_allocated, meta.size, None, None, None, meta.mode, meta.uid, meta.gid,
                                          link, in_orphans, dir_inode, False,
                                          _short_name(name) if short_names else None, None, (0, 0, 0, 0), None,
                                          False, None, times, policy)
                            if text is None:
                                yield entry
                            else:
                                text.add(entry)
                        if len(texts) >= TEXT_BATCH:
                            check()
                            yield text.take()  # type: ignore[union-attr]  # texts fill only with a text
                    if (recursive and (meta_type in _DIR_TYPES or (meta_type == "-" and name_type in _DIR_TYPES))
                            and inode not in followed):  # Entry.is_dir, inline
                        followed.add(inode)
                        yield from self._descend(parent_path, raw, inode, stack, in_orphans or raw == ORPHAN_DIR,
                                                 text)
                    continue
                entries = self._from_dir_entry(tsk_entry, info, name, bytes(raw), parent_path, dir_inode, in_orphans)
                for entry in entries:
                    if not deleted_only or entry.deleted or entry.orphan:
                        if text is None:
                            yield entry
                        else:
                            text.add(entry)
                if len(texts) >= TEXT_BATCH:
                    check()
                    yield text.take()  # type: ignore[union-attr]
                first = entries[0]
                if recursive and first.is_dir and first.inode not in followed:
                    followed.add(first.inode)
                    yield from self._descend(parent_path, first.name, first.inode, stack,
                                             first.orphan or first.name == ORPHAN_DIR, text)
        except OSError as exc:
            self._warn("directory_unreadable", f"{_show(parent_path)}: listing stopped early: {one_line(exc, last=True)}",
                       f"{_show(parent_path)}: dừng liệt kê giữa chừng: {one_line(exc, last=True)}", inode=dir_inode)

    def _descend(self, parent_path: bytes, raw: bytes, inode: int, stack: tuple[int, ...],
                 orphan: bool, text: ListingText | None = None) -> Iterator[Any]:
        child_path = parent_path + b"/" + raw if parent_path else raw
        if inode == 0:
            return
        if inode in stack:
            self._warn("directory_loop", f"{_show(child_path)} leads back to a directory above it "
                       f"(inode {inode}); not followed", f"{_show(child_path)} trỏ ngược lên thư mục cha "
                       f"(inode {inode}); không đi tiếp", inode=inode, path=_show(child_path))
            return
        if len(stack) >= MAX_DEPTH or self._listed.get(inode, 0) >= 16:
            self._warn("directory_too_deep", f"{_show(child_path)}: not followed (depth or repeat limit)",
                       f"{_show(child_path)}: không đi tiếp (quá sâu hoặc lặp lại)", inode=inode)
            return
        sub = self._open_dir_inode(inode)
        if sub is not None:
            yield from self._walk_dir(sub, child_path, inode, stack + (inode,), orphan, text)

    def _from_dir_entry(self, tsk_entry: Any, info: Any, name: Any, raw: bytes, parent_path: bytes,
                        dir_inode: int, orphan: bool) -> list[Entry]:
        meta = info.meta
        tsk_file = tsk_entry
        reused = False
        problem = None
        if meta is None and (name.meta_addr or name.flags & _ALLOC):
            try:
                tsk_file = self.fs.open_meta(inode=int(name.meta_addr))
                meta = tsk_file.info.meta
            except OSError as exc:
                meta, problem = None, f"its metadata (inode {int(name.meta_addr)}) cannot be read: {one_line(exc, last=True)}"
                shown = _show(parent_path + b"/" + raw if parent_path else raw)
                self._warn("metadata_unreadable", f"{shown}: {problem}; listed by name only",
                           f"{shown}: không đọc được siêu dữ liệu (inode {int(name.meta_addr)}): {one_line(exc, last=True)}; "
                           "chỉ liệt kê theo tên", inode=int(name.meta_addr), path=shown)
            if meta is not None and self.family == "ntfs" and not _same_ntfs_file(name, meta):
                meta, reused, tsk_file = None, True, None
        entries = self._entries(tsk_file, meta, name, parent_path, raw, orphan, dir_inode)
        if reused or problem:
            for entry in entries:
                entry.meta_reused = reused
                entry.problem = problem
        return entries

    def _entries(self, tsk_file: Any, meta: Any, name: Any, parent_path: bytes, raw: bytes, orphan: bool,
                 dir_inode: int | None) -> list[Entry]:
        if meta is None:
            name_type = NAME_TYPE.get(int(name.type), "-") if name is not None else "-"
            return [Entry(self.partition.index, parent_path, raw, int(name.meta_addr) if name is not None else 0,
                          name_type, "-", bool(int(name.flags) & _ALLOC) if name is not None else False, None, 0,
                          {}, orphan=orphan, parent_inode=dir_inode,
                          short_name=_short_name(name))]
        meta_type = META_TYPE.get(int(meta.type), "-")
        meta_allocated = bool(int(meta.flags) & _META_ALLOC)
        if name is not None:
            inode, name_type, name_allocated = (int(name.meta_addr), NAME_TYPE.get(int(name.type), "-"),
                                                bool(int(name.flags) & _ALLOC))
        else:
            inode, name_type, name_allocated = int(meta.addr), meta_type, meta_allocated
        times = raw_times(meta)
        base = Entry(
            self.partition.index, parent_path, raw, inode, name_type, meta_type, name_allocated, meta_allocated,
            int(meta.size), None,
            seq=int(meta.seq) if self.family == "ntfs" else None,
            mode=int(meta.mode), uid=int(meta.uid), gid=int(meta.gid),
            orphan=orphan, parent_inode=dir_inode, short_name=_short_name(name) if self._short_names else None,
            raw_times=times, policy=self.policy,
        )
        if self.options.file_name_times:
            base.epochs = epochs(times, self.policy)
        if meta_type == "l" and meta.link:
            base.link_target = bytes(meta.link)
        if tsk_file is None:
            return [base]
        if self.family != "ntfs":
            if self._want_runs(base) and meta_type in ("r", "v"):
                base.stream = self._default_stream(tsk_file)
            return [base]
        return self._ntfs_entries(tsk_file, base)

    def _ntfs_entries(self, tsk_file: Any, base: Entry) -> list[Entry]:
        """One entry per $DATA attribute and for a directory's $I30 index (as fls prints)."""
        entries: list[Entry] = []
        fn_times: tuple[dict[str, Any], tuple[int, ...]] | None = None
        try:
            attributes = list(tsk_file)
        except OSError as exc:  # e.g. an $ATTRIBUTE_LIST whose other MFT entries are damaged
            base.problem = f"its attributes cannot be read ({one_line(exc, last=True)}): its data streams are unknown"
            self._warn("attributes_unreadable", f"{_show(base.path)}: {base.problem}",
                       f"{_show(base.path)}: không đọc được các thuộc tính ({one_line(exc, last=True)}): không biết các luồng "
                       "dữ liệu của tệp", inode=base.inode, path=_show(base.path))
            return [base]
        fn_namespace = 99
        for attr in attributes:
            info = attr.info
            kind = int(info.type)
            if kind == NTFS_FILE_NAME and self.options.file_name_times:
                found = self._file_name_times(tsk_file, info)
                if found is not None and found[2] < fn_namespace:
                    fn_times, fn_namespace = (found[0], found[1]), found[2]
            if kind not in (NTFS_DATA, NTFS_INDEX_ROOT):
                continue
            attr_name = bytes(info.name) if info.name else None
            stream = Stream(kind, int(info.id), attr_name, int(info.size),
                            not int(info.flags) & _NON_RESIDENT,
                            _runs(attr) if self._want_runs(base) and kind == NTFS_DATA else ())
            entries.append(replace(base, stream=stream, size=int(info.size)))
        if not entries and base.meta_type == "r":
            base.no_data = True  # e.g. MFT entries 16-23, reserved and never used: nothing to recover
        if fn_times:
            for entry in entries or [base]:
                entry.file_name_times, entry.file_name_epochs = fn_times
        return entries or [base]

    def _want_runs(self, entry: Entry) -> bool:
        runs = self.options.runs
        return bool(runs) and (runs != "deleted" or entry.deleted)

    def _file_name_times(self, tsk_file: Any, info: Any) -> tuple[dict[str, Any], tuple[int, ...], int] | None:
        """Times of a $FILE_NAME attribute, and a rank preferring the long (Win32) name."""
        try:
            data = tsk_file.read_random(0, int(info.size), info.type, info.id)
        except OSError:
            return None
        if len(data) < 48:
            return None
        born, modified, changed, accessed = struct.unpack_from("<4Q", data, 8)
        result: dict[str, Any] = {}
        for slot, (label, value) in enumerate((("modified", modified), ("accessed", accessed),
                                               ("changed", changed), ("born", born))):
            converted = self.policy.convert(*filetime(value), slot)
            if converted:
                result[label] = converted
        seconds = tuple(filetime(v)[0] for v in (modified, accessed, changed, born))
        namespace = data[65] if len(data) > 65 else 0
        rank = {1: 0, 3: 1, 0: 2, 2: 3}.get(namespace, 4)
        return result, (*seconds, int(info.id), int(info.size)), rank

    def _default_stream(self, tsk_file: Any) -> Stream | None:
        try:
            for attr in tsk_file:  # the first attribute is the default data (TSK's order)
                info = attr.info
                return Stream(int(info.type), int(info.id), None, int(info.size),
                              not int(info.flags) & _NON_RESIDENT, _runs(attr))
        except OSError:
            return None
        return None

    def _warn(self, code: str, en: str, vi: str, **details: Any) -> None:
        details["partition"] = self.partition.index
        self.warnings.append(ItemWarning(code, en, vi, details))


def _runs(attr: Any) -> tuple[tuple[int, int], ...]:
    runs = []
    try:
        for run in attr:
            if int(run.flags) & _SPARSE or int(run.len) == 0:
                continue
            runs.append((int(run.addr), int(run.len)))
    except OSError:
        pass
    return tuple(runs)


def _short_name(name: Any) -> bytes | None:
    if name is None:
        return None
    short = name.shrt_name
    return bytes(short) if short else None


def _same_ntfs_file(name: Any, meta: Any) -> bool:
    """NTFS adds one to an entry's sequence number when it frees it."""
    name_seq, meta_seq = int(name.meta_seq), int(meta.seq)
    if name_seq == meta_seq:
        return True
    return not int(meta.flags) & _META_ALLOC and meta_seq == (name_seq + 1) & 0xFFFF


def _show(raw: bytes) -> str:
    return "/" + raw.decode("utf-8", "backslashreplace")
