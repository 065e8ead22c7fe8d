"""Encrypted, content-addressed blob files: the only place evidence bytes are stored.

A new blob file is named by the BLAKE3 of its *ciphertext*, so anyone can check
storage integrity with ``b3sum`` and no key (as in restic). Blobs written before
that are named by the SHA-256 of their ciphertext and stay as they are: the
blobs table records which hash names each blob (``name_hash``), and verify
re-hashes each file with its own. Why BLAKE3 and not SHA-256 as
../shared/DESIGN.md says: SHA-256 of the plaintext is already paid for (it is
the evidence hash), and a second SHA-256 over the ciphertext made ingest cost
2·SHA-256 + BLAKE3 + AEAD per byte; on 2 cores that is at best 1.33x issue 20's
floor ((SHA-256 + BLAKE3 + AEAD) / cores), over its 1.25x target, where a
BLAKE3 name (about 2.5x cheaper than SHA-256 here) leaves 1.13x. The plaintext
hashes live only in the encrypted database.

Ingest reads the source once. The reader feeds worker threads through
bounded queues: one hashes the plaintext (SHA-256 and BLAKE3), one more each
for MD5 and SHA-1 when asked, one encrypts and hashes the ciphertext (the blob's name),
and the last writes. hashlib, blake3 and the AEAD release the GIL, so on
several cores hashing, encryption and writing overlap; the stages are of
similar weight so none of them holds the others back. The disk works at the
same time as the CPU: every few MiB the writer asks the kernel to start writing
back what it wrote (``sync_file_range``, Linux), so the final fsync waits only
for the last stretch instead of the whole file. Memory is a few segments
whatever the input size. Crash safety: temp file, fsync, rename, fsync the
directory; the database row is committed only afterwards, so a crash leaves at
most an orphan that verify reports.

What one pass costs per byte: SHA-256 once, BLAKE3 twice (plaintext, and
ciphertext for the blob's name) and ChaCha20-Poly1305; ``bench/vault_ingest.py``
times each against the same file and shows where the time goes, stage by stage.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from blake3 import blake3

from .crypto import DEFAULT_SEGMENT_SIZE, KeyedHmac, SegmentEncryptor, decrypt_stream, encrypt_whole
from .errors import Cancelled, IntegrityError, SourceError, StorageFullError, VaultError, bilingual
from .hashing import MultiHasher, new_hasher
from .tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

QUEUE_DEPTH = 4
NAME_HASH = "blake3"  # the hash of its ciphertext that names a new blob
NAME_HASHES = ("sha256", "blake3")  # every hash that has named blobs: SHA-256 before issue 20 (see the docstring)
WRITEBACK_EVERY = 8 << 20  # bytes written between two writeback requests
_DONE = object()


@dataclass(frozen=True)
class IngestResult:
    """What the pipeline learnt about one stream; the vault turns it into rows."""

    temp_name: str  # the temp blob (a string: thousands of small files each build one and send it to another process)
    size: int
    hashes: dict[str, str]
    blob_name: str  # the NAME_HASH of the ciphertext
    cipher_size: int
    dedupe_key: str
    head: bytes = b""

    @property
    def temp_path(self) -> Path:
        return Path(self.temp_name)


class _Stage(threading.Thread):
    """A pipeline worker: takes items from a queue until the sentinel, keeps its error and its CPU time."""

    def __init__(self, name: str, work: Callable[[object], None]) -> None:
        super().__init__(name=name, daemon=True)
        self.inbox: queue.Queue[object] = queue.Queue(QUEUE_DEPTH)
        self.error: BaseException | None = None
        self.cpu_seconds = 0.0
        self._work = work

    def run(self) -> None:
        started = time.thread_time()
        try:
            while True:
                item = self.inbox.get()
                if item is _DONE:
                    return
                if self.error is None:
                    try:
                        self._work(item)
                    except BaseException as exc:  # kept and re-raised by the reader thread
                        self.error = exc
        finally:
            self.cpu_seconds = time.thread_time() - started


class _Writeback:
    """Asks the kernel to start writing a file's new pages to disk while the pipeline goes on (Linux)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._done = 0
        self._call = _sync_file_range()

    def written(self, end: int) -> None:
        if self._call is not None and end - self._done >= WRITEBACK_EVERY:
            self._call(self._fd, self._done, end - self._done, _SYNC_FILE_RANGE_WRITE)
            self._done = end


_SYNC_FILE_RANGE_WRITE = 2
_sync_range_function: list[Any] = []


def _sync_file_range() -> Any:
    """libc's ``sync_file_range`` (it releases the GIL: a ctypes call), or None where there is none."""
    if not _sync_range_function:
        function = None
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                function = ctypes.CDLL(None, use_errno=True).sync_file_range
                function.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
                function.restype = ctypes.c_int
            except (OSError, AttributeError):
                function = None
        _sync_range_function.append(function)
    return _sync_range_function[0]


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_malloc_tuned: list[bool] = []


def keep_segment_memory() -> None:
    """Let glibc's malloc reuse freed segment buffers instead of giving them back to the kernel (once per process).

    Every segment's ciphertext (and plaintext, when reading back) is a new 1 MiB buffer. With glibc's defaults
    the freed buffer at the top of a thread's heap is returned to the kernel (trimmed), so the next one is
    mapped again and the kernel zeroes its 256 pages on first touch: measured here, ChaCha20-Poly1305 over
    512 MiB cost 0.50 s of CPU with 123,000 page faults, 0.25 s without them. Freed memory kept per heap is
    bounded (64 MiB) and buffers of 8 MiB or more are still mapped and unmapped on their own.
    """
    if _malloc_tuned:
        return
    _malloc_tuned.append(True)
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc: nothing to tune
        return
    mallopt(_M_MMAP_THRESHOLD, 8 << 20)
    mallopt(_M_TRIM_THRESHOLD, 64 << 20)


# Where the time of the last large ingest in this thread went (bench/vault_ingest.py prints it).
last_profile: dict[str, float] = {}


class BlobStore:
    def __init__(self, root: Path, blob_key: bytes, naming_key: bytes, *, dir_mode: int = 0o700,
                 file_mode: int = 0o600) -> None:
        self.root = root
        self.dir_mode, self.file_mode = dir_mode, file_mode
        self.blobs_dir = root / "blobs"
        self.tmp_dir = root / "tmp"
        self._blob_key = blob_key
        self._naming_key = naming_key
        self._dedupe_hmac = KeyedHmac(naming_key)
        self._made: set[Path] = set()

    # -- layout -----------------------------------------------------------------
    def _ensure_dir(self, path: Path) -> None:
        """mkdir once per directory per process (thousands of small items would mkdir each time)."""
        if path not in self._made:
            path.mkdir(parents=True, exist_ok=True, mode=self.dir_mode)
            os.chmod(path, self.dir_mode)  # whatever the umask: the vault's folders are as private as its files
            self._made.add(path)

    def path_for(self, name: str) -> Path:
        return self.blobs_dir / name[:2] / name

    def exists(self, name: str) -> bool:
        return self.path_for(name).is_file()

    def list_names(self) -> Iterator[tuple[str, Path]]:
        """Every file under blobs/, named or not (so strays are found too)."""
        if not self.blobs_dir.is_dir():
            return
        for sub in sorted(self.blobs_dir.iterdir()):
            if sub.is_dir():
                for path in sorted(sub.iterdir()):
                    yield path.name, path
            else:
                yield sub.name, sub

    def list_temp(self) -> list[Path]:
        return sorted(self.tmp_dir.iterdir()) if self.tmp_dir.is_dir() else []

    def dedupe_key(self, sha256: str, blake3_hex: str) -> str:
        """Keyed hash of the plaintext (via its two digests): equal content, equal key."""
        return self._dedupe_hmac.hexdigest(f"dedupe|{sha256}|{blake3_hex}".encode("ascii"))

    # -- writing ----------------------------------------------------------------
    def ingest(
        self,
        source: BinaryIO,
        *,
        extra_hashes: tuple[str, ...] = (),
        total: int | None = None,
        label: str = "",
        progress: Progress = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
        segment_size: int = DEFAULT_SEGMENT_SIZE,
        sync: bool = True,
    ) -> IngestResult:
        """Encrypt ``source`` into a temp file, hashing on the way; see :meth:`commit`.

        ``sync=False`` leaves the fsync to the caller (a batch of many small items
        syncs the file system once before committing, see :func:`sync_filesystem`).
        A stream that fits in one segment is hashed and encrypted inline: starting
        the stage threads would cost more than the work (thousands of small files).
        """
        self._ensure_dir(self.tmp_dir)
        cancel.check()
        first = _read_block(source, segment_size, label)
        if len(first) < segment_size:
            return self._ingest_small(first, extra_hashes, label, progress, segment_size, sync)
        keep_segment_memory()
        encryptor = SegmentEncryptor(self._blob_key, segment_size)
        plain = MultiHasher(("sha256", "blake3"))
        extras = [MultiHasher((name,)) for name in extra_hashes]
        cipher_hash = new_hasher(NAME_HASH)
        fd, temp_name = _make_temp(self.tmp_dir, self.file_mode)
        temp_path = Path(temp_name)
        out = os.fdopen(fd, "wb", buffering=0)
        cipher_size = 0
        writeback = _Writeback(fd)
        started, reader_started = time.perf_counter(), time.thread_time()

        def write(block: object) -> None:
            nonlocal cipher_size
            assert isinstance(block, bytes)
            _write_all(out, block)
            cipher_size += len(block)
            writeback.written(cipher_size)

        writer = _Stage("blob-write", write)

        def encrypt(item: object) -> None:
            data, last = cast("tuple[bytes, bool]", item)
            block = encryptor.encrypt(data, last)
            cipher_hash.update(block)
            writer.inbox.put(block)

        hasher = _Stage("blob-hash", lambda data: plain.update(data))  # type: ignore[arg-type]
        encrypter = _Stage("blob-encrypt", encrypt)
        # MD5 and SHA-1 (``disk add --copy``) each in a stage of its own, so SHA-256 does not wait for them
        # and, on more than two cores, neither waits for the other (MD5 alone is slower than the rest per core)
        extra_stages = tuple(_Stage(f"blob-hash-{name}", extra.update)  # type: ignore[arg-type]
                             for name, extra in zip(extra_hashes, extras, strict=True))
        stages = (hasher, encrypter, writer) + extra_stages
        for stage in stages:
            stage.start()
        try:
            cipher_hash.update(encryptor.header)
            write(encryptor.header)
            done = 0
            block = first
            head = block[:4096]
            while True:
                cancel.check()
                following = _read_block(source, segment_size, label) if len(block) == segment_size else b""
                last = not following
                hasher.inbox.put(block)
                for extra_stage in extra_stages:
                    extra_stage.inbox.put(block)
                encrypter.inbox.put((block, last))
                done += len(block)
                progress(done, total, label)
                for stage in stages:
                    if stage.error is not None:
                        raise stage.error
                if last:
                    break
                block = following
            _stop(stages)
            for stage in stages:
                if stage.error is not None:
                    raise stage.error
            piped = time.perf_counter()
            out.flush()
            if sync:
                os.fsync(out.fileno())
            out.close()
            last_profile.clear()
            last_profile.update({"pipeline_s": piped - started, "final_fsync_s": time.perf_counter() - piped,
                                 "reader_cpu_s": time.thread_time() - reader_started,
                                 "sha256_blake3_cpu_s": hasher.cpu_seconds,
                                 "encrypt_name_blake3_cpu_s": encrypter.cpu_seconds, "write_cpu_s": writer.cpu_seconds})
        except BaseException as exc:
            _stop(stages)
            out.close()
            temp_path.unlink(missing_ok=True)
            raise _translate(exc, label) from exc
        hashes = plain.hexdigests()
        for extra in extras:
            hashes |= extra.hexdigests()
        return IngestResult(
            temp_name=temp_name,
            size=plain.size,
            hashes=hashes,
            blob_name=cipher_hash.hexdigest(),
            cipher_size=cipher_size,
            dedupe_key=self.dedupe_key(hashes["sha256"], hashes["blake3"]),
            head=head,
        )

    def _ingest_small(self, data: bytes, extra_hashes: tuple[str, ...], label: str, progress: Progress,
                      segment_size: int, sync: bool) -> IngestResult:
        """The whole stream is one (last) segment: the same result as the pipeline, inline.

        A disk's many small files each pay this, so it calls hashlib, BLAKE3 and the AEAD directly (no hasher,
        encryptor or file objects) and writes the temp blob with one system call.
        """
        hashes = {"sha256": hashlib.sha256(data).hexdigest(), "blake3": blake3(data).hexdigest()}
        for algorithm in extra_hashes:
            extra = new_hasher(algorithm)
            extra.update(data)
            hashes[algorithm] = extra.hexdigest()
        ciphertext = encrypt_whole(self._blob_key, data, segment_size)
        fd, temp_name = _make_temp(self.tmp_dir, self.file_mode)
        try:
            try:
                _write_fd(fd, ciphertext)
                if sync:
                    os.fsync(fd)
            finally:
                os.close(fd)
        except BaseException as exc:
            Path(temp_name).unlink(missing_ok=True)
            raise _translate(exc, label) from exc
        progress(len(data), len(data), label)
        name = new_hasher(NAME_HASH)
        name.update(ciphertext)
        return IngestResult(temp_name=temp_name, size=len(data), hashes=hashes,
                            blob_name=name.hexdigest(), cipher_size=len(ciphertext),
                            dedupe_key=self.dedupe_key(hashes["sha256"], hashes["blake3"]), head=data[:4096])

    def commit(self, result: IngestResult, sync: bool = True) -> str:
        """Move a finished temp file into place under its ciphertext name (durably unless ``sync=False``)."""
        name = result.blob_name
        final = self.path_for(name)
        self._ensure_dir(final.parent)
        os.replace(result.temp_name, final)
        if sync:
            _fsync_dir(final.parent)
        return name

    def sync_filesystem(self) -> None:
        """Make every write and rename under the vault durable at once (syncfs on Linux)."""
        sync_filesystem(self.root)

    def discard(self, result: IngestResult) -> None:
        result.temp_path.unlink(missing_ok=True)

    # -- reading ----------------------------------------------------------------
    def read_plaintext(self, name: str) -> Iterator[bytes]:
        """Yield decrypted segments; raises IntegrityError on any tampering."""
        path = self.path_for(name)
        try:
            handle = path.open("rb")
        except FileNotFoundError as exc:
            raise IntegrityError(f"blob {name[:16]}… is missing from the vault", blob=name,
                                 message_vi=f"khối dữ liệu {name[:16]}… không còn trong kho chứng cứ") from exc
        with handle:
            yield from decrypt_stream(self._blob_key, handle)

    def check(self, name: str, name_hash: str, extra: tuple[str, ...] = ()) -> tuple[str, dict[str, str], int]:
        """Re-read one blob: (the file's digest by ``name_hash``, the hash that names it; plaintext hashes; size)."""
        keep_segment_memory()
        path = self.path_for(name)
        file_hash = new_hasher(name_hash)
        plain = MultiHasher(("sha256", "blake3") + extra)
        with path.open("rb") as handle:
            reader = _HashingReader(handle, file_hash)
            for block in decrypt_stream(self._blob_key, reader):  # type: ignore[arg-type]
                plain.update(block)
        return file_hash.hexdigest(), plain.hexdigests(), plain.size


class _HashingReader:
    """Wraps a file so everything read through it is also hashed."""

    def __init__(self, handle: BinaryIO, digest: Any) -> None:
        self._handle = handle
        self._digest = digest

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._digest.update(data)
        return data


def _read_block(source: BinaryIO, size: int, label: str) -> bytes:
    """Read exactly ``size`` bytes unless the stream ends (short reads are retried)."""
    parts: list[bytes] = []
    wanted = size
    while wanted:
        try:
            data = source.read(wanted)
        except OSError as exc:
            raise SourceError(f"cannot read {label or 'the source'}: {exc.strerror or exc}",
                              message_vi=f"không đọc được {label or 'nguồn'}: {bilingual(exc)[1]}") from exc
        if not data:
            break
        parts.append(data)
        wanted -= len(data)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _write_fd(fd: int, data: bytes) -> None:
    """Write all of ``data`` to a file descriptor (one call unless the kernel takes less)."""
    written = os.write(fd, data)
    if written < len(data):
        view = memoryview(data)[written:]
        while view:
            view = view[os.write(fd, view):]


def _write_all(out: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = out.write(view)
        if written is None:
            raise OSError(errno.EAGAIN, "write would block")
        view = view[written:]


def _stop(stages: tuple[_Stage, ...]) -> None:
    """Stop stages in pipeline order, so each finishes what the previous one sent."""
    for stage in stages:
        stage.inbox.put(_DONE)
        stage.join()


def _translate(exc: BaseException, label: str) -> BaseException:
    if isinstance(exc, (Cancelled, SourceError, VaultError, KeyboardInterrupt)):
        return exc
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return StorageFullError(
            f"the vault's disk is full ({exc.strerror}); nothing of {label or 'this item'} was kept"
        , message_vi=f"ổ đĩa chứa kho chứng cứ đã đầy; không giữ lại phần nào của {label or 'mục này'}")
    if isinstance(exc, OSError):
        return VaultError(f"cannot write to the vault: {exc.strerror or exc}",
                          message_vi=f"không ghi được vào kho chứng cứ: {bilingual(exc)[1]}")
    return exc


_TEMP_TOKEN = os.urandom(4).hex()  # this run's temp names differ from a crashed run's leftovers
_temp_numbers = itertools.count()
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _make_temp(directory: Path, mode: int = 0o600) -> tuple[int, str]:
    """A new private temp file, as ``mkstemp`` makes it (O_EXCL, mode 0600) but named by a counter.

    ``mkstemp`` draws a random name for every file, a good part of the cost of
    ingesting many small files; the pid (a forked reader has its own) and a
    per-run token keep counter names unique, and O_EXCL refuses any clash.
    """
    while True:
        path = os.path.join(directory, f"ingest-{os.getpid()}-{_TEMP_TOKEN}-{next(_temp_numbers)}.part")
        try:
            fd = os.open(path, _TEMP_FLAGS, mode)
            if mode & ~0o600:  # group access asked for: the umask must not take it away
                os.fchmod(fd, mode)
            return fd, path
        except FileExistsError:
            continue


def sync_filesystem(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.syncfs(fd) == 0:
                return
        except (OSError, AttributeError):
            pass
        os.sync()
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
