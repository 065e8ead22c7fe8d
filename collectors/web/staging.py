"""Where a capture's files wait for the vault: in memory or sealed, never plaintext on a persistent disk.

Until the service stores them (encrypted) in the vault, a capture's parts must live somewhere:

- the browser's own files (its profile, Playwright's video and downloads) go into a folder on a memory file
  system: ``FORENSICS_STAGING_DIR``,
  ``$XDG_RUNTIME_DIR`` or ``/dev/shm``, each checked with ``statfs`` to really be tmpfs or ramfs, with
  ``min_free`` bytes free;
- the parts we write (screenshots, HTML, MHTML, PDF, text, provenance, social records), the WARC, the WACZ
  and the recording proxy's copy of each response are
  :class:`SealedFile`\\ s: ChaCha20-Poly1305 segments in a deleted-but-open file on disk, under a random
  key that only this process holds (bounded memory whatever the size, and only ciphertext ever reaches
  the disk; the proxy keeps the first 512 KiB of a response in memory, as warcprox did).

Where no memory file system is usable (Windows, macOS, a full ``/dev/shm``), the browser's folder is a
private one on disk and :attr:`Staging.on_disk` says so: the capture carries a ``staging_on_disk``
warning, never silence. The parts we write are then still never plaintext files: every one of them (in
both cases: one way of handing parts over) is a :class:`SealedFile` kept in memory up to a few MiB and
sealed beyond; the browser keeps its pages' cache, cookies and storage in memory (each capture is an
incognito context), is not allowed to save downloads (they are taken from the WARC) and records no video.

A marker (pid, process start, operation, case: no evidence content) names the folders while the work
runs. :func:`recover_interrupted` finds the markers of processes that died (kill -9, power loss), removes
what they left (staging folders, the proxy's CA key) and returns the markers, so that the service can
record the interrupted operation in the custody log.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from evidence_store.errors import CollectorError

TMPFS_MAGIC = 0x01021994
RAMFS_MAGIC = 0x858458F6
MEMORY_FILESYSTEMS = {TMPFS_MAGIC: "tmpfs", RAMFS_MAGIC: "ramfs"}
SEGMENT = 64 * 1024  # plaintext bytes per sealed segment
TAG = 16
DEFAULT_MIN_FREE = 256 * 1024 * 1024
PREFIX = "forensics-staging"


# -- is this folder in memory? --------------------------------------------------------
class _StatFs(ctypes.Structure):
    _fields_ = [("f_type", ctypes.c_long), ("rest", ctypes.c_byte * 256)]  # only f_type is read


def filesystem_magic(path: Path) -> int | None:
    """``statfs(2)``'s ``f_type`` of the file system holding ``path`` (Linux), else None."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    buf = _StatFs()
    if libc.statfs(os.fsencode(str(path)), ctypes.byref(buf)) != 0:
        return None
    return int(buf.f_type) & 0xFFFFFFFF


def is_memory_backed(path: Path) -> bool:
    return filesystem_magic(path) in MEMORY_FILESYSTEMS


def chosen_folder() -> Path | None:
    """``FORENSICS_STAGING_DIR`` when set to a usable folder: the examiner's choice, used whatever it is (a folder on
    disk makes the staging ``on_disk``, said in every capture's warnings; it also lets the tests force that)."""
    value = os.environ.get("FORENSICS_STAGING_DIR", "")
    if value and os.path.isdir(value) and os.access(value, os.W_OK | os.X_OK):
        return Path(value)
    return None


def memory_folder(min_free: int = DEFAULT_MIN_FREE) -> Path | None:
    """The first usable memory file system: ``FORENSICS_STAGING_DIR`` (when set, the only one considered: see
    :func:`chosen_folder`), else ``$XDG_RUNTIME_DIR``, ``/dev/shm``."""
    chosen = chosen_folder()
    candidates = (str(chosen),) if chosen is not None else (os.environ.get("XDG_RUNTIME_DIR", ""), "/dev/shm")
    for value in candidates:
        if not value:
            continue
        path = Path(value)
        try:
            if not (path.is_dir() and os.access(path, os.W_OK | os.X_OK) and is_memory_backed(path)):
                continue
            fs = os.statvfs(path)
        except OSError:
            continue
        if fs.f_bavail * fs.f_frsize >= min_free:
            return path
    return None


def _private_dir(parent: Path, name: str) -> Path:
    """``parent/name`` made ours and 0700 (a world-writable parent such as /dev/shm may hold a trap)."""
    target = parent / name
    try:
        target.mkdir(mode=0o700)
    except FileExistsError:
        info = os.lstat(target)
        if not os.path.isdir(target) or os.path.islink(target) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            return Path(tempfile.mkdtemp(prefix=name + "-", dir=parent))
    return target


def _uid() -> int:
    return os.getuid() if hasattr(os, "getuid") else 0


def process_start(pid: int) -> str:
    """The kernel's start time of ``pid`` (so a reused pid is not taken for the process that wrote a marker)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def process_alive(pid: int, start: str) -> bool:
    if sys.platform.startswith("linux"):
        now = process_start(pid)
        return bool(now) and (not start or now == start)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


# -- sealed files: encrypted on disk, key in memory ------------------------------------
class SealedFile:
    """A file whose bytes reach the disk only encrypted (ChaCha20-Poly1305, 64 KiB segments).

    Written from one thread (``write``/``seek``/``tell``: mostly appended, a few bytes rewritten in place, as
    a ZIP writer does with its local headers), then read by any number of readers (:meth:`open`, positional
    reads on the same descriptor). A segment sealed again gets a new nonce (a generation counter kept in
    memory). The backing file is unlinked as soon as it is created: nothing is left on disk when the process
    ends, however it ends. Up to ``memory_limit`` bytes stay in memory and no file is made at all.
    """

    def __init__(self, folder: Path, key: bytes, *, memory_limit: int = 0) -> None:
        self._folder = folder
        self._aead = ChaCha20Poly1305(key)
        self._file_id = secrets.token_bytes(4)
        self._generation: dict[int, int] = {}
        self._memory_limit = memory_limit
        self._tail = bytearray()  # plaintext not yet sealed (less than a segment, or all of it under the limit)
        self._fd: int | None = None
        self._sealed = 0  # segments on disk
        self._write_at = 0
        self.size = 0
        self.closed = False
        self._lock = threading.Lock()

    # writing
    def write(self, data: bytes | bytearray | memoryview) -> int:
        data = bytes(data)
        written = len(data)
        with self._lock:
            if self._write_at < self.size:  # rewriting bytes already written
                inside = data[:self.size - self._write_at]
                self._overwrite(self._write_at, inside)
                self._write_at += len(inside)
                data = data[len(inside):]
            if data:
                self._append(data)
        return written

    def _append(self, data: bytes) -> None:
        self._tail += data
        self.size += len(data)
        self._write_at = self.size
        if self._fd is None and len(self._tail) <= self._memory_limit:
            return
        while len(self._tail) >= SEGMENT:
            self._seal(self._sealed, bytes(self._tail[:SEGMENT]))
            self._sealed += 1
            del self._tail[:SEGMENT]

    def _overwrite(self, offset: int, data: bytes) -> None:
        while data:
            index, skip = divmod(offset, SEGMENT)
            if index >= self._sealed:  # in the tail, still in memory
                start = offset - self._sealed * SEGMENT
                self._tail[start:start + len(data)] = data
                return
            segment = bytearray(self._segment(index))
            piece = data[:SEGMENT - skip]
            segment[skip:skip + len(piece)] = piece
            self._generation[index] = self._generation.get(index, 0) + 1
            self._seal(index, bytes(segment))
            offset += len(piece)
            data = data[len(piece):]

    def _nonce(self, index: int) -> bytes:
        return self._file_id + index.to_bytes(4, "big") + self._generation.get(index, 0).to_bytes(4, "big")

    def _seal(self, index: int, plain: bytes) -> None:
        if self._fd is None:
            self._folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix="sealed-", dir=self._folder)
            os.unlink(name)
            self._fd = fd
        os.pwrite(self._fd, self._aead.encrypt(self._nonce(index), plain, None), index * (SEGMENT + TAG))

    def tell(self) -> int:
        return self._write_at

    def flush(self) -> None:
        pass

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Where the next write goes (within what was written, or its end)."""
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._write_at, io.SEEK_END: self.size}[whence]
        if not 0 <= base + offset <= self.size:
            raise io.UnsupportedOperation("a sealed file has no holes: seek within what was written")
        self._write_at = base + offset
        return self._write_at

    # reading
    def read_at(self, offset: int, length: int, cache: list[Any] | None = None) -> bytes:
        """Plaintext bytes at ``offset``; ``cache`` ([index, segment]) keeps a reader's last segment."""
        out = bytearray()
        end = min(self.size, offset + length)
        while offset < end:
            index, skip = divmod(offset, SEGMENT)
            if cache is not None and cache[0] == index and index < self._sealed:
                segment = cache[1]
            else:
                segment = self._segment(index)
                if cache is not None:
                    cache[:] = [index, segment]
            piece = segment[skip:skip + end - offset]
            if not piece:
                break
            out += piece
            offset += len(piece)
        return bytes(out)

    def _segment(self, index: int) -> bytes:
        if index >= self._sealed:
            with self._lock:
                start = (index - self._sealed) * SEGMENT
                return bytes(self._tail[start:start + SEGMENT])
        assert self._fd is not None
        sealed = os.pread(self._fd, SEGMENT + TAG, index * (SEGMENT + TAG))
        try:
            return self._aead.decrypt(self._nonce(index), sealed, None)
        except InvalidTag as exc:
            raise CollectorError("a staged capture file was changed on disk while the capture ran",
                                 message_vi="một tệp thu thập tạm đã bị thay đổi trên đĩa trong khi thu thập") from exc

    def open(self) -> SealedReader:
        return SealedReader(self)

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            self.close()

    def close(self) -> None:
        """Forget the content (the unlinked file goes with its descriptor)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._tail = bytearray()
            self.closed = True


class SealedReader(io.RawIOBase):
    """A seekable plaintext view of a :class:`SealedFile` (each reader has its own position)."""

    def __init__(self, sealed: SealedFile) -> None:
        super().__init__()
        self._sealed = sealed
        self._pos = 0
        self._cache: list[Any] = [-1, b""]

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._sealed.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        data = self._sealed.read_at(self._pos, len(buffer), self._cache)
        buffer[:len(data)] = data
        self._pos += len(data)
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._sealed.size - self._pos
        data = self._sealed.read_at(self._pos, size, self._cache)
        self._pos += len(data)
        return data


class ResponseSpool(SealedFile):
    """The proxy's copy of one response (warcprox's ``SpooledTemporaryFile``, sealed): one writer, then reads
    from position 0 in order, as warcprox's record builder does."""

    def __init__(self, folder: Path, key: bytes, memory_limit: int = 512 * 1024) -> None:
        super().__init__(folder, key, memory_limit=memory_limit)
        self._reader = SealedReader(self)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._reader.seek(offset, whence)

    def read(self, size: int = -1) -> bytes:
        return self._reader.read(size)

    def readline(self, size: int = -1) -> bytes:
        line = bytearray()
        while size < 0 or len(line) < size:
            ch = self._reader.read(1)
            if not ch:
                break
            line += ch
            if ch == b"\n":
                break
        return bytes(line)

    def tell(self) -> int:
        return self._reader.tell()

    def seekable(self) -> bool:
        return True


# -- the staging of one session of work -------------------------------------------------
@dataclass
class Staging:
    """The folders and key of one session of capture work (a batch), and its marker."""

    memory: Path  # browser files and small parts (tmpfs, or a private folder on disk when on_disk)
    sealed_dir: Path  # sealed files' (already unlinked) backing files
    marker: Path | None
    on_disk: bool
    filesystem: str
    key: bytes = field(default_factory=lambda: ChaCha20Poly1305.generate_key(), repr=False)

    @classmethod
    def start(cls, *, operation: str, details: dict[str, Any] | None = None, marker_dir: Path | None = None,
              min_free: int = DEFAULT_MIN_FREE, root: Path | None = None) -> Staging:
        """``root`` chooses the memory folder's parent (tests); it is checked like any other."""
        token = f"{os.getpid()}-{secrets.token_hex(4)}"
        found = memory_folder(min_free) if root is None else None
        disk_root = _private_dir(chosen_folder() or Path(tempfile.gettempdir()), f"{PREFIX}-{_uid()}")
        if root is not None:
            on_disk = not is_memory_backed(root)
            filesystem = "disk" if on_disk else MEMORY_FILESYSTEMS.get(filesystem_magic(root) or 0, "memory")
        elif found is not None:
            root, on_disk = _private_dir(found, f"{PREFIX}-{_uid()}"), False
            filesystem = MEMORY_FILESYSTEMS.get(filesystem_magic(found) or 0, "memory")
        else:
            root = disk_root  # checked like any other (a chosen tmpfs without the room asked for is still memory)
            on_disk = not is_memory_backed(root)
            filesystem = "disk" if on_disk else MEMORY_FILESYSTEMS.get(filesystem_magic(root) or 0, "memory")
        memory = root / token
        memory.mkdir(mode=0o700)
        sealed_dir = disk_root / f"{token}-sealed"
        marker = None
        if marker_dir is not None:
            marker_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            marker = marker_dir / f"{token}.json"
            record = {"pid": os.getpid(), "process_start": process_start(os.getpid()), "operation": operation,
                      "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      "folders": [str(memory), str(sealed_dir)], **(details or {})}
            marker.write_text(json.dumps(record, ensure_ascii=False, indent=1), "utf-8")
        return cls(memory, sealed_dir, marker, on_disk, filesystem)

    def folder(self, name: str) -> Path:
        """A fresh private sub-folder of the memory folder (a capture's work folder, the browser's TMPDIR)."""
        path = self.memory / name
        path.mkdir(mode=0o700, parents=True, exist_ok=False)
        return path

    def sealed(self, *, memory_limit: int = 0) -> SealedFile:
        return SealedFile(self.sealed_dir, self.key, memory_limit=memory_limit)

    def response_spool(self, memory_limit: int = 512 * 1024) -> ResponseSpool:
        return ResponseSpool(self.sealed_dir, self.key, memory_limit)

    def close(self) -> None:
        shutil.rmtree(self.memory, ignore_errors=True)
        shutil.rmtree(self.sealed_dir, ignore_errors=True)
        if self.marker is not None:
            self.marker.unlink(missing_ok=True)

    def describe(self) -> dict[str, Any]:
        """For the provenance: where the parts waited before the vault."""
        return {"browser_files": self.filesystem,
                "parts": "in memory, sealed beyond a few MiB (ChaCha20-Poly1305, key in memory only)",
                "warc_wacz_and_responses": "sealed (ChaCha20-Poly1305, key in memory only)",
                "browser_folder_on_persistent_disk": self.on_disk,
                "evidence_on_persistent_disk_in_plaintext": False}


def recover_interrupted(marker_dir: Path) -> list[dict[str, Any]]:
    """Markers of processes that died mid-work: their folders removed, their markers deleted and returned."""
    found = []
    for marker in sorted(marker_dir.glob("*.json")) if marker_dir.is_dir() else []:
        try:
            record = json.loads(marker.read_text("utf-8"))
            pid = int(record["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if process_alive(pid, str(record.get("process_start", ""))):
            continue
        removed = [folder for folder in record.get("folders", []) if _remove(Path(folder))]
        record["removed"] = removed
        record["marker"] = marker.name
        found.append(record)
    return found


def orphaned_folders() -> Iterator[Path]:
    """Staging folders (``<pid>-<token>``) of dead processes that left no marker (a session started without
    one: tools, tests), in this user's staging roots on every memory file system and on disk."""
    import re

    roots = [os.environ.get("FORENSICS_STAGING_DIR", ""), os.environ.get("XDG_RUNTIME_DIR", ""), "/dev/shm",
             tempfile.gettempdir()]
    named = re.compile(r"^(\d+)-[0-9a-f]{8}(-sealed)?$")
    for root in dict.fromkeys(r for r in roots if r):
        base = Path(root) / f"{PREFIX}-{_uid()}"
        try:
            info = os.lstat(base)
            entries = list(base.iterdir()) if info.st_uid == _uid() and not os.path.islink(base) else []
        except OSError:
            continue
        for entry in entries:
            match = named.match(entry.name)
            if match and not process_alive(int(match.group(1)), ""):
                yield entry


def forget_marker(marker_dir: Path, record: dict[str, Any]) -> None:
    (marker_dir / str(record.get("marker", ""))).unlink(missing_ok=True)


def _remove(folder: Path) -> bool:
    if not folder.name.startswith(tuple("0123456789")):  # only folders this module names (pid-token)
        return False
    existed = folder.exists()
    remove_leftover(folder)
    return existed


def remove_leftover(folder: Path) -> None:
    """Remove a dead process's staging folder, once nothing it started still works in it."""
    stop_processes_in(folder)
    shutil.rmtree(folder, ignore_errors=True)


def stop_processes_in(folder: Path, wait: float = 10.0) -> list[int]:
    """Stop the processes a dead capture left working in its folder, and wait until they are gone.

    Playwright starts the browser in a process group of its own, so a capture killed (kill -9, a crash) leaves
    its browser running until it notices; meanwhile the browser keeps writing its temporary files into the
    capture's folder, even after a cleanup removed it (seen: ``browser/.org.chromium.Chromium.*`` back after
    the next capture's cleanup). A process whose command line names the folder (the browser's profile lies in
    it) belongs to the dead capture: it gets SIGKILL. Linux only (``/proc``); elsewhere nothing is stopped.
    """
    if not sys.platform.startswith("linux"):
        return []
    import re
    import signal

    names = re.compile(rb"(?:^|[\0=])" + re.escape(os.fsencode(folder)) + rb"(?:[\0/]|$)")
    stopped = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if names.search(Path(f"/proc/{entry}/cmdline").read_bytes()):
                os.kill(int(entry), signal.SIGKILL)
                stopped.append(int(entry))
        except (OSError, ValueError):
            continue  # gone meanwhile, or not ours to stop
    deadline = time.monotonic() + wait
    while stopped and time.monotonic() < deadline and any(_running(pid) for pid in stopped):
        time.sleep(0.01)  # SIGKILL was sent: each is gone as soon as the kernel has torn it down
    return stopped


def _running(pid: int) -> bool:
    """Still a process that can act (a zombie no longer writes anything)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def stale_leftovers(older_than: float = 3600) -> Iterator[Path]:
    """Folders of earlier versions (plaintext ``forensics-capture-*``, ``forensics-browser-*`` with the proxy's
    CA key) left in the temporary folder by a process that died, untouched for ``older_than`` seconds."""
    base = Path(tempfile.gettempdir())
    now = time.time()
    for pattern in ("forensics-capture-*", "forensics-browser-*"):
        for path in base.glob(pattern):
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if info.st_uid == _uid() and now - info.st_mtime > older_than and os.path.isdir(path):
                yield path
