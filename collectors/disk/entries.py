"""One listed entry of a file system: a name, its metadata and one data stream.

An entry is what ``fls`` prints on one line: NTFS files appear once per data
stream (``file`` and ``file:stream``), everything else once per name. Names are
kept as raw bytes (a suspect's disk may hold names that are not UTF-8), with an
escaped form for display. Deleted entries keep the facts that say how far their
content can be trusted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytsk3

from .names import escape_name, needs_escape
from .timestamps import times_json, utc_seconds_utf8, whole_template

_NAME_TYPES = {
    "TSK_FS_NAME_TYPE_UNDEF": "-", "TSK_FS_NAME_TYPE_FIFO": "p", "TSK_FS_NAME_TYPE_CHR": "c",
    "TSK_FS_NAME_TYPE_DIR": "d", "TSK_FS_NAME_TYPE_BLK": "b", "TSK_FS_NAME_TYPE_REG": "r",
    "TSK_FS_NAME_TYPE_LNK": "l", "TSK_FS_NAME_TYPE_SOCK": "s", "TSK_FS_NAME_TYPE_SHAD": "h",
    "TSK_FS_NAME_TYPE_WHT": "w", "TSK_FS_NAME_TYPE_VIRT": "v", "TSK_FS_NAME_TYPE_VIRT_DIR": "V",
}
_META_TYPES = {
    "TSK_FS_META_TYPE_UNDEF": "-", "TSK_FS_META_TYPE_REG": "r", "TSK_FS_META_TYPE_DIR": "d",
    "TSK_FS_META_TYPE_FIFO": "p", "TSK_FS_META_TYPE_CHR": "c", "TSK_FS_META_TYPE_BLK": "b",
    "TSK_FS_META_TYPE_LNK": "l", "TSK_FS_META_TYPE_SHAD": "h", "TSK_FS_META_TYPE_SOCK": "s",
    "TSK_FS_META_TYPE_WHT": "w", "TSK_FS_META_TYPE_VIRT": "v", "TSK_FS_META_TYPE_VIRT_DIR": "V",
}
NAME_TYPE = {int(getattr(pytsk3, k)): v for k, v in _NAME_TYPES.items() if hasattr(pytsk3, k)}
META_TYPE = {int(getattr(pytsk3, k)): v for k, v in _META_TYPES.items() if hasattr(pytsk3, k)}
TYPE_WORDS = {"r": "file", "d": "directory", "l": "symlink", "v": "virtual file", "V": "virtual directory",
              "p": "fifo", "c": "character device", "b": "block device", "s": "socket", "h": "shadow",
              "w": "whiteout", "-": "unknown"}
NTFS_DATA = 128
NTFS_INDEX_ROOT = 144
NTFS_FILE_NAME = 48
ORPHAN_DIR = b"$OrphanFiles"


@dataclass(frozen=True)
class Stream:
    """A data attribute: NTFS $DATA (named = alternate data stream) or a directory index."""

    type: int
    id: int
    name: bytes | None
    size: int
    resident: bool
    runs: tuple[tuple[int, int], ...] = ()  # (first block, block count) of non-resident data


@dataclass(slots=True)
class Entry:
    partition: int
    parent_path: bytes
    name: bytes
    inode: int
    name_type: str
    meta_type: str
    name_allocated: bool
    meta_allocated: bool | None
    size: int
    given_times: dict[str, Any] | None = None  # converted times, when known up front (else from raw_times)
    stream: Stream | None = None
    seq: int | None = None
    mode: int = 0
    uid: int = 0
    gid: int = 0
    link_target: bytes | None = None
    orphan: bool = False
    parent_inode: int | None = None
    meta_reused: bool = False
    short_name: bytes | None = None
    file_name_times: dict[str, Any] | None = None
    epochs: tuple[int, int, int, int] = (0, 0, 0, 0)  # m, a, c, b: whole seconds UTC (body files)
    file_name_epochs: tuple[int, ...] | None = None  # m, a, c, b, attribute id, attribute size
    no_data: bool = False  # NTFS: the MFT entry has no $DATA attribute (nothing to recover, icat refuses it)
    problem: str | None = None  # why its metadata or attributes could not be read (a warning says so too)
    raw_times: tuple[int, ...] = ()  # m, m ns, a, a ns, c, c ns, b, b ns as TSK gives them (converted lazily)
    policy: Any = None  # the TimePolicy that converts raw_times

    @property
    def times(self) -> dict[str, Any]:
        """MACB times in UTC with their precision (converted on first use: listings often never ask)."""
        given = self.given_times
        if given is None:
            given = self.policy.convert_all(self.raw_times) if self.policy is not None and self.raw_times else {}
            self.given_times = given
        return given

    # -- identity ---------------------------------------------------------------
    @property
    def path(self) -> bytes:
        """Path from the root, ``/``-separated, no leading slash (as ``fls -p``)."""
        base = self.parent_path + b"/" + self.name if self.parent_path else self.name
        suffix = self._stream_suffix()
        return base + b":" + suffix if suffix else base

    def _stream_suffix(self) -> bytes | None:
        """fls names a stream unless it is the default ($Data) or the directory index ($I30)."""
        stream = self.stream
        if stream is None or not stream.name:
            return None
        if stream.type == NTFS_DATA and stream.name != b"$Data":
            return stream.name
        if stream.type == NTFS_INDEX_ROOT and stream.name != b"$I30":
            return stream.name
        return None

    @property
    def display_path(self) -> str:
        """The path for people (control characters and non-UTF-8 bytes escaped, see :mod:`.names`)."""
        return "/" + escape_name(self.path)

    @property
    def display_name(self) -> str:
        suffix = self._stream_suffix()
        return escape_name(self.name + b":" + suffix if suffix else self.name)

    @property
    def address(self) -> str:
        """TSK's address: ``inode`` or ``inode-type-id`` when a stream is known (NTFS)."""
        stream = self.stream
        if stream is not None and stream.type in (NTFS_DATA, NTFS_INDEX_ROOT):
            return f"{self.inode}-{stream.type}-{stream.id}"
        return str(self.inode)

    @property
    def deleted(self) -> bool:
        return not self.name_allocated or self.meta_allocated is False

    @property
    def reallocated(self) -> bool:
        """The name is deleted but its metadata entry now belongs to a live file."""
        return not self.name_allocated and self.meta_allocated is True

    @property
    def is_dir(self) -> bool:
        return self.meta_type in ("d", "V") or (self.meta_type == "-" and self.name_type in ("d", "V"))

    @property
    def has_content(self) -> bool:
        """Whether extraction makes sense: a regular file (or virtual file) or an NTFS data stream."""
        if self.meta_reused or self.meta_allocated is None or self.no_data or self.problem:
            return False
        if self.stream is not None and self.stream.type in (NTFS_DATA, NTFS_INDEX_ROOT):
            return self.stream.type == NTFS_DATA
        return self.meta_type in ("r", "v")

    @property
    def no_content_reason(self) -> str | None:
        """Why a file-like entry has nothing to extract (None when it has content or is a directory)."""
        if self.has_content or self.is_dir:
            return None
        if self.problem:
            return self.problem
        if self.no_data:
            return "the MFT entry has no $DATA attribute: there is no content to recover"
        if self.meta_reused:
            return "its MFT entry now belongs to another file (sequence number changed)"
        if self.meta_allocated is None:
            return "no metadata is left for this name"
        return None

    @property
    def allocation(self) -> str:
        if self.reallocated:
            return "deleted (metadata reallocated)"
        return "deleted" if self.deleted else "allocated"

    def type_label(self) -> str:
        return f"{self.name_type}/{self.meta_type}"

    def to_json(self) -> dict[str, Any]:
        suffix = self._stream_suffix()
        base = self.parent_path + b"/" + self.name if self.parent_path else self.name
        path_raw = base + b":" + suffix if suffix else base
        name_raw = self.name + b":" + suffix if suffix else self.name
        try:  # JSON keeps the exact name (it escapes control characters itself)
            path_text, name_text, exact = path_raw.decode("utf-8"), name_raw.decode("utf-8"), True
        except UnicodeDecodeError:
            path_text, name_text, exact = escape_name(path_raw), escape_name(name_raw), False
        meta_type = self.meta_type
        data: dict[str, Any] = {
            "partition": self.partition,
            "path": "/" + path_text,
            "name": name_text,
            "inode": self.inode,
            "address": self.address,
            "type": TYPE_WORDS.get(meta_type if meta_type != "-" else self.name_type, "unknown"),
            "tsk_type": f"{self.name_type}/{meta_type}",
            "allocation": self.allocation,
            "deleted": self.deleted,
            "orphan": self.orphan,
            "size": self.size,
            "times": self.times,
        }
        if not exact or needs_escape(path_raw):
            data["path_bytes_hex"] = path_raw.hex()
        stream = self.stream
        if stream is not None:
            data["stream"] = {"type": stream.type, "id": stream.id,
                              "name": escape_name(stream.name) if stream.name else None,
                              "resident": stream.resident}
        if self.seq is not None:
            data["sequence"] = self.seq
        if self.link_target:
            data["link_target"] = escape_name(self.link_target)
        if self.meta_reused:
            data["metadata_reused"] = True
        if self.no_data:
            data["no_data_attribute"] = True
        if self.problem:
            data["problem"] = self.problem
        if self.short_name:
            data["short_name"] = escape_name(self.short_name)
        if self.file_name_times:
            data["file_name_times"] = self.file_name_times
        if self.mode or self.uid or self.gid:
            data["mode"] = oct(self.mode & 0o7777)
            data["uid"], data["gid"] = self.uid, self.gid
        return data


_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
_QUOTE = json.encoder.encode_basestring  # type: ignore[attr-defined]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def json_text(entry: Entry) -> str:
    """``json.dumps(entry.to_json(), ensure_ascii=False)``, through :func:`json_bytes`."""
    return json_bytes(entry).decode("utf-8")


def json_bytes(entry: Entry) -> bytes:
    """``json.dumps(entry.to_json(), ensure_ascii=False)`` in UTF-8, built as bytes for the common entry.

    A listing of a million entries spends most of its time building and encoding dicts; the
    common case (a UTC file system, a UTF-8 name that JSON leaves as it is, no stream or special
    fact) is written directly from the name's bytes, everything else through :meth:`Entry.to_json`.
    A test holds both to the same text. What entries share is written once: their parent's quoted
    path and the policy's precisions (siblings come together), the text of their kind and
    allocation, and of their mode and owner.
    """
    policy = entry.policy
    known = _last_policy  # read once: another thread may replace it
    precisions = known[1] if policy is known[0] else _remember_policy(policy)
    if (precisions is None or entry.given_times is not None or entry.stream is not None
            or entry.link_target or entry.meta_reused or entry.no_data or entry.problem or entry.short_name
            or entry.file_name_times or entry.seq is not None or entry.meta_allocated is None):
        return _ENCODE(entry.to_json()).encode()
    parent = entry.parent_path
    seen = _last_parent
    opening = seen[1] if parent == seen[0] else _remember_parent(parent)
    name = entry.name
    if opening is None or _JSON_ESCAPED.search(name) or not _is_utf8(name):
        return _ENCODE(entry.to_json()).encode()
    key = (entry.name_type, entry.meta_type, entry.name_allocated, entry.meta_allocated, entry.orphan)
    kind = _KINDS.get(key) or _kind_text(*key)
    owner = (entry.mode, entry.uid, entry.gid)
    ending = _OWNERS.get(owner) or _owner_text(*owner)
    inode = entry.inode
    return (b'{"partition": %d, "path": %s%s", "name": "%s", "inode": %d, "address": "%d", %s"size": %d, '
            b'"times": %s%s' % (entry.partition, opening, name, name, inode, inode, kind, entry.size,
                                times_json(entry.raw_times, precisions), ending))


# Bytes JSON would write otherwise than as they are (ensure_ascii=False escapes only these), and DEL, which
# Entry.to_json marks with the raw bytes in hex: names holding any go through it.
_JSON_ESCAPED = re.compile(rb'[\x00-\x1f\x7f"\\]')

# The last policy and parent json_bytes saw (entries come directory by directory, so they repeat), each
# replaced as one tuple so that threads listing at once never read half of another's.
_last_policy: tuple[Any, tuple[int, int, int, int] | None] = (object(), None)  # None: not written as text
_last_parent: tuple[bytes | None, bytes | None] = (None, None)  # '"/parent/' quoted, open; None: not as text
_KINDS: dict[tuple[str, str, bool, bool, bool], bytes] = {}  # "type" to "orphan", by what decides them
_OWNERS: dict[tuple[int, int, int], bytes] = {}  # "mode", "uid", "gid" and the closing brace


def _is_utf8(raw: bytes) -> bool:
    if raw.isascii():
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _remember_policy(policy: Any) -> tuple[int, int, int, int] | None:
    global _last_policy
    precisions = policy.precisions() if policy is not None and not policy.stores_local_time else None
    _last_policy = (policy, precisions)
    return precisions


def _remember_parent(parent: bytes) -> bytes | None:
    global _last_parent
    try:
        prefix = "/" + parent.decode("utf-8") + "/" if parent else "/"
    except UnicodeDecodeError:
        _last_parent = (parent, None)
        return None
    opening = None if not prefix.isprintable() and _CONTROL.search(prefix) else _QUOTE(prefix)[:-1].encode()
    _last_parent = (parent, opening)
    return opening


def _kind_text(name_type: str, meta_type: str, name_allocated: bool, meta_allocated: bool, orphan: bool) -> bytes:
    if not name_allocated:
        allocation, deleted = ("deleted (metadata reallocated)" if meta_allocated else "deleted"), "true"
    elif meta_allocated is False:
        allocation, deleted = "deleted", "true"
    else:
        allocation, deleted = "allocated", "false"
    text = (f'"type": "{TYPE_WORDS.get(meta_type if meta_type != "-" else name_type, "unknown")}", '
            f'"tsk_type": "{name_type}/{meta_type}", "allocation": "{allocation}", '
            f'"deleted": {deleted}, "orphan": {"true" if orphan else "false"}, ').encode()
    _KINDS[(name_type, meta_type, name_allocated, meta_allocated, orphan)] = text  # a few hundred at most
    return text


def _owner_text(mode: int, uid: int, gid: int) -> bytes:
    text = f', "mode": "{oct(mode & 0o7777)}", "uid": {uid}, "gid": {gid}}}' if mode or uid or gid else "}"
    if len(_OWNERS) >= 4096:  # owners are few on a disk, but a damaged one may hold any numbers
        _OWNERS.clear()
    _OWNERS[(mode, uid, gid)] = text.encode()
    return text.encode()


SEPARATOR = b",\n  "  # between entries in a JSON array, as the listings write it

# A writer of one directory's common entries (see ListingText.directory): their fields as read from pytsk3 in,
# True when it wrote the entry's text.
Writer = Callable[[bytes, int, str, str, bool, bool, int, int, int, int, tuple[int, ...]], bool]


class ListingText:
    """The JSON text of a walk's entries, each as :func:`json_bytes` writes it, gathered in walk order.

    A recursive listing spends most of its time per entry, so the walker hands a common entry over
    as the fields it read from pytsk3, before any :class:`Entry` exists, to the writer of its
    directory (:meth:`directory`), which writes it with one ``%`` on a template holding the
    partition, the parent's quoted path and the time fields of the file system's precisions. What
    that writer declines, and every other entry, comes as an Entry (:meth:`add`). A test holds the
    text equal to :func:`json_bytes`'s.
    """

    def __init__(self, partition: int, policy: Any) -> None:
        self.texts: list[bytes] = []  # entries' text not yet taken
        self._partition = partition
        self._precisions = policy.precisions() if policy is not None and not policy.stores_local_time else None

    def add(self, entry: Entry) -> None:
        self.texts.append(json_bytes(entry))

    def take(self) -> bytes:
        """The entries gathered so far, joined by :data:`SEPARATOR`; they are forgotten."""
        text = SEPARATOR.join(self.texts)
        self.texts.clear()
        return text

    def directory(self, parent_path: bytes, orphan: bool) -> Writer | None:
        """The writer of the common entries of the directory ``parent_path`` (None: it has none, as on a
        file system that stores local times, or under a path JSON writes otherwise than as it is).

        ``write(name, inode, name_type, meta_type, name_allocated, meta_allocated, size, mode, uid, gid,
        raw_times)`` appends the text of a common entry (a name JSON writes as it is, metadata
        present, no stream, link target or short name: the caller knows those) and says whether it did.
        """
        precisions = self._precisions
        if precisions is None:
            return None
        opening = _remember_parent(parent_path)
        if opening is None:
            return None
        head = (b'{"partition": %d, "path": ' % self._partition + opening.replace(b"%", b"%%")
                + b'%s", "name": "%s", "inode": %d, "address": "%d", %s"size": %d, "times": ')
        whole = whole_template(precisions)  # all stored slots in one `%` (when each holds a time)
        stored = tuple(slot for slot, precision in enumerate(precisions) if precision)
        slots = len(stored) if whole is not None and stored in ((0, 1, 2, 3), (0, 1, 2)) else 0
        template = head + whole[0] + b"%s" if whole is not None else b""
        d0, d1, d2, d3 = (*whole[2], 1)[:4] if whole is not None else (1, 1, 1, 1)  # of each slot's nanoseconds
        separate = head + b"%s%s"  # the times written by times_json
        texts, kinds, owners, seconds = self.texts, _KINDS, _OWNERS, utc_seconds_utf8
        escaped = _JSON_ESCAPED.search

        def write(name: bytes, inode: int, name_type: str, meta_type: str, name_allocated: bool,
                  meta_allocated: bool, size: int, mode: int, uid: int, gid: int, times: tuple[int, ...]) -> bool:
            if escaped(name):
                return False
            if not name.isascii():
                try:
                    name.decode("utf-8")
                except UnicodeDecodeError:
                    return False
            key = (name_type, meta_type, name_allocated, meta_allocated, orphan)
            kind = kinds.get(key) or _kind_text(*key)
            owner = (mode, uid, gid)
            ending = owners.get(owner) or _owner_text(*owner)
            if slots == 4:
                m, mn, a, an, c, cn, b, bn = times
                if m and a and c and b:
                    texts.append(template % (name, name, inode, inode, kind, size, seconds(m), mn // d0, seconds(a),
                                             an // d1, seconds(c), cn // d2, seconds(b), bn // d3, ending))
                    return True
            elif slots == 3:  # modified, accessed, changed (ext2/3: no birth time)
                m, mn, a, an, c, cn = times[:6]
                if m and a and c:
                    texts.append(template % (name, name, inode, inode, kind, size, seconds(m), mn // d0, seconds(a),
                                             an // d1, seconds(c), cn // d2, ending))
                    return True
            texts.append(separate % (name, name, inode, inode, kind, size, times_json(times, precisions), ending))
            return True

        return write


def mode_string(entry: Entry) -> str:
    """``r/rrw-r--r--`` as in TSK's body files (name type / meta type + permissions)."""
    perms = ""
    mode = entry.mode
    for shift, special, char in ((6, 0o4000, "s"), (3, 0o2000, "s"), (0, 0o1000, "t")):
        bits = (mode >> shift) & 7
        x = "x" if bits & 1 else "-"
        if mode & special:
            x = char if bits & 1 else char.upper()
        perms += ("r" if bits & 4 else "-") + ("w" if bits & 2 else "-") + x
    return f"{entry.name_type}/{entry.meta_type}{perms}"
