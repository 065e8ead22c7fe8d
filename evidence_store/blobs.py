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

Ingest reads the source once, a few segments at a time, and shares the work
between the calling thread and a worker thread per other core (see
``_Pipeline``): the hashes of the plaintext (SHA-256, BLAKE3, MD5 and SHA-1
when asked) each take the chunks in order; each segment is encrypted and
written at its place by any thread (its nonce and offset follow from its
index); the BLAKE3 of the ciphertext (the blob's name) takes the segments in
order. A free thread takes the oldest ready task (of its own kind first), so
the cores share the work whatever its mix. hashlib, blake3, reads, writes and
the AEAD (libcrypto's, called without the GIL: see ``openssl_aead``) release
the GIL, so they overlap. The
disk works at the same time as the CPU: every few MiB the name lane asks the
kernel to start writing back what is written (``sync_file_range``, Linux), so
the final fsync waits only for the last stretch instead of the whole file.
Memory is a few chunks whatever the input size. Crash safety: temp file, fsync, rename, fsync the directory; the
database row is committed only afterwards, so a crash leaves at most an orphan
that verify reports.

What one pass costs per byte: SHA-256 once, BLAKE3 twice (plaintext, and
ciphertext for the blob's name) and ChaCha20-Poly1305; ``bench/vault_ingest.py``
times each against the same file and shows where the time goes, task by task.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from blake3 import blake3

from .crypto import DEFAULT_SEGMENT_SIZE, TAG_SIZE, KeyedHmac, SegmentEncryptor, decrypt_stream, encrypt_whole
from .errors import Cancelled, IntegrityError, SourceError, StorageFullError, VaultError, bilingual
from .hashing import MultiHasher, new_hasher
from .tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

CHUNK_SEGMENTS = 4  # segments read and hashed at a time (see _Pipeline)
WINDOW_CHUNKS = 4  # chunks in flight at most: memory is about twice this many chunks, whatever the input size
NAME_HASH = "blake3"  # the hash of its ciphertext that names a new blob
NAME_HASHES = ("sha256", "blake3")  # every hash that has named blobs: SHA-256 before issue 20 (see the docstring)
WRITEBACK_EVERY = 8 << 20  # bytes written between two writeback requests


class IngestResult(NamedTuple):
    """What the pipeline learnt about one stream; the vault turns it into rows (a tuple: a disk extraction's reader
    sends one per file to the committing process, and a tuple pickles in a fraction of a dataclass's time)."""

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


@dataclass
class _Chunk:
    """A few segments read at once: each plaintext lane hashes it whole, each segment is encrypted on its own."""

    data: bytes
    first: int  # the index of its first segment in the blob
    ciphertexts: list[bytes | None]  # each set once its segment is encrypted and written, dropped once named
    last: bool  # it holds the blob's last segment
    lanes_left: int  # plaintext lanes that have not hashed it yet
    encrypted: int = 0
    named: int = 0


class _Lane:
    """A hash that must see the chunks in order (SHA-256, BLAKE3, MD5, SHA-1): one worker at a time feeds it."""

    def __init__(self, name: str, hasher: MultiHasher) -> None:
        self.name, self.hasher = name, hasher
        self.next = 0  # the index of the next chunk it hashes
        self.busy = False


_Task = tuple[str, Any, Any]  # ("lane", lane, chunk) | ("encrypt", chunk, index in it) | ("name", None, segments)


class _Pipeline:
    """The work of one large ingest, shared by the calling thread and a worker thread per other core.

    Four kinds of task. Reading, in the calling thread only (a source may be tied to it), whenever fewer than
    ``WINDOW_CHUNKS`` chunks are in flight. Each plaintext lane (SHA-256, BLAKE3, MD5/SHA-1 when asked) hashes
    the chunks in order, so one thread at a time runs a lane. Each segment is encrypted and written at its
    place in the file by whichever thread is free (its nonce and its offset follow from its index). The name
    lane hashes the written ciphertext in order (BLAKE3, the blob's name) and asks the kernel to write it back.

    Who does what: the calling thread prefers the plaintext lanes (it hashes what it has just read, still in
    its cache), a worker prefers encrypting, writing and naming; each takes the ready task of its kind at the
    oldest place in the stream, or, when none of its kind is ready, the oldest of any kind. So no split is
    tuned to one machine's per-byte costs (a fast disk or a slow one, MD5 or not): work moves to whichever
    thread is free, and the calling thread works instead of waiting for room to read, one thread per core.

    Every task's work runs without the GIL: the hashes, reads and writes, and the AEAD where libcrypto gives it
    (:mod:`.openssl_aead`; ``cryptography`` 45's keeps the GIL while it encrypts, and is what runs where there is
    no OpenSSL 3). Only the few lines of Python between tasks need it, so the lanes hash a chunk of
    ``CHUNK_SEGMENTS`` segments per call (long calls, few hand-overs), and each segment is written by the
    thread that encrypted it (with cryptography's AEAD, that lets the GIL go at once).
    """

    def __init__(self, encryptor: SegmentEncryptor, lanes: list[_Lane], name_hash: Any,
                 write_at: Callable[[int, bytes], None], written: Callable[[int], None], workers: int) -> None:
        self._encryptor = encryptor
        self._segment_size = encryptor.segment_size
        self._header_size = len(encryptor.header)
        self._lanes = lanes
        self._name_hash = name_hash
        self._write_at = write_at
        self._written = written
        self._condition = threading.Condition()
        self._chunks: dict[int, _Chunk] = {}  # in flight, by chunk index
        self._fed = 0  # chunks read
        self._segments = 0  # segments read
        self._next_encrypt = 0  # the next segment to encrypt
        self._next_name = 0  # the next segment to hash for the blob's name
        self._naming = False
        self._closed = False  # the last chunk is read
        self._stopping = False
        self._error: BaseException | None = None
        self.size = self._header_size  # the blob file's size so far
        self.cpu: dict[str, float] = {}
        self.waited = 0.0  # seconds threads waited for work (all of them)
        self.thread_seconds = 0.0  # the threads' lifetimes, added up
        self.queued = 0.0  # seconds threads were ready but waited for a core other processes had (Linux)
        self.workers = [threading.Thread(target=self._work, name=f"blob-ingest-{n}", daemon=True)
                        for n in range(workers)]

    def run(self, chunks: Iterator[tuple[bytes, bool]]) -> None:
        """Read ``(data, last)`` chunks from ``chunks`` and work along with the workers until all is written."""
        lifetime = _thread_times()
        for worker in self.workers:
            worker.start()
        try:
            while True:
                with self._condition:
                    if self._error is not None:
                        raise self._error
                    if self._closed and not self._chunks:
                        return
                    if not self._closed and len(self._chunks) < WINDOW_CHUNKS:
                        task: _Task | None = ("read", None, None)  # first: the more in flight, the more to share
                    else:
                        task = self._take(hashing=True)
                    if task is None:
                        self._wait()
                        continue
                if task[0] == "read":
                    started = time.thread_time()
                    data, last = next(chunks)
                    with self._condition:
                        self._add(data, last)
                        self._count({"read": time.thread_time() - started})
                        self._condition.notify_all()
                else:
                    self._do(task)
        except BaseException as exc:
            with self._condition:
                if self._error is None:
                    self._error = exc
            raise
        finally:
            with self._condition:
                self._stopping = True
                self._condition.notify_all()
            for worker in self.workers:
                worker.join()
            self._count_thread(lifetime)

    def _add(self, data: bytes, last: bool) -> None:
        count = -(-len(data) // self._segment_size)
        self._chunks[self._fed] = _Chunk(data, self._segments, [None] * count, last, len(self._lanes))
        self._fed += 1
        self._segments += count
        self._closed = last

    def _wait(self) -> None:
        waited = time.perf_counter()
        self._condition.wait()
        self.waited += time.perf_counter() - waited

    def _count(self, cpu: dict[str, float]) -> None:
        for name, seconds in cpu.items():
            self.cpu[name] = self.cpu.get(name, 0.0) + seconds

    def _count_thread(self, started: tuple[float, float]) -> None:
        ended = _thread_times()
        with self._condition:
            self.thread_seconds += ended[0] - started[0]
            self.queued += ended[1] - started[1]

    # -- the workers' side ------------------------------------------------------
    def _work(self) -> None:
        started, lifetime = time.thread_time(), _thread_times()
        try:
            while True:
                with self._condition:
                    task = self._take(hashing=False)
                    while task is None:
                        if self._error is not None or self._stopping or (self._closed and not self._chunks):
                            return
                        self._wait()
                        task = self._take(hashing=False)
                try:
                    self._do(task)
                except BaseException as exc:  # re-raised in the calling thread
                    with self._condition:
                        if self._error is None:
                            self._error = exc
                        self._condition.notify_all()
                    return
        finally:
            with self._condition:
                self._count({"workers": time.thread_time() - started})
            self._count_thread(lifetime)

    def _do(self, task: _Task) -> None:
        """Run a task taken by :meth:`_take`, then record it done."""
        cpu, ciphertext = self._run(task)
        with self._condition:
            self._done(task, ciphertext)
            self._count(cpu)
            self._condition.notify_all()

    def _take(self, hashing: bool) -> _Task | None:
        """The ready task at the oldest place in the stream among those of this thread's kind (hashing the
        plaintext for the calling thread, encrypting and naming for a worker), else among all."""
        if self._error is not None or self._stopping:
            return None
        ready: list[tuple[int, int, _Task]] = []  # (place, order on a tie, task)
        for order, lane in enumerate(self._lanes):
            chunk = self._chunks.get(lane.next)
            if not lane.busy and chunk is not None:
                ready.append((chunk.first, order, ("lane", lane, chunk)))
        if not self._naming and self._next_name < self._next_encrypt:
            batch: list[tuple[_Chunk, int]] = []
            segment = self._next_name
            while segment < self._segments and len(batch) < CHUNK_SEGMENTS:
                chunk = self._chunks[segment // CHUNK_SEGMENTS]
                if chunk.ciphertexts[segment - chunk.first] is None:
                    break
                batch.append((chunk, segment - chunk.first))
                segment += 1
            if batch:
                ready.append((self._next_name, len(self._lanes), ("name", None, batch)))
        if self._next_encrypt < self._segments:
            chunk = self._chunks[self._next_encrypt // CHUNK_SEGMENTS]
            ready.append((self._next_encrypt, len(self._lanes) + 1,
                          ("encrypt", chunk, self._next_encrypt - chunk.first)))
        if not ready:
            return None
        mine = [entry for entry in ready if (entry[2][0] == "lane") == hashing]
        best = min(mine or ready, key=lambda entry: entry[:2])[2]
        kind, what, _ = best
        if kind == "lane":
            what.busy = True
        elif kind == "name":
            self._naming = True
        else:
            self._next_encrypt += 1
        return best

    def _run(self, task: _Task) -> tuple[dict[str, float], bytes | None]:
        """Do one task without the pipeline's lock: where its CPU time went, and a segment's ciphertext."""
        kind, what, where = task
        started = time.thread_time()
        if kind == "lane":
            what.hasher.update(where.data)
            return {what.name: time.thread_time() - started}, None
        if kind == "encrypt":
            chunk, index = what, where
            segment, size = chunk.first + index, self._segment_size
            last = chunk.last and index == len(chunk.ciphertexts) - 1
            ciphertext = self._encryptor.encrypt_segment(segment, chunk.data, last, start=index * size)
            encrypted = time.thread_time()
            self._write_at(self._header_size + segment * (size + TAG_SIZE), ciphertext)
            return {"encrypt": encrypted - started, "write": time.thread_time() - encrypted}, ciphertext
        end = 0
        for chunk, index in where:
            ciphertext = chunk.ciphertexts[index]
            self._name_hash.update(ciphertext)
            end = self._header_size + (chunk.first + index) * (self._segment_size + TAG_SIZE) + len(ciphertext)
        hashed = time.thread_time()
        self._written(end)
        return {"name": hashed - started, "writeback": time.thread_time() - hashed}, None

    def _done(self, task: _Task, ciphertext: bytes | None) -> None:
        kind, what, where = task
        if kind == "lane":
            what.busy = False
            what.next += 1
            where.lanes_left -= 1
            self._release(where)
        elif kind == "encrypt":
            what.ciphertexts[where] = ciphertext
            what.encrypted += 1
            self.size += len(ciphertext or b"")
            self._release(what)
        else:
            self._naming = False
            for chunk, index in where:
                chunk.ciphertexts[index] = None
                chunk.named += 1
                self._next_name += 1
                self._release(chunk)

    def _release(self, chunk: _Chunk) -> None:
        """Let go of a chunk's plaintext once hashed and encrypted, and of the chunk once named."""
        if not chunk.lanes_left and chunk.encrypted == len(chunk.ciphertexts):
            chunk.data = b""
            if chunk.named == len(chunk.ciphertexts):
                del self._chunks[chunk.first // CHUNK_SEGMENTS]


def _thread_times() -> tuple[float, float]:
    """(now, seconds this thread has waited for a core while ready to run) from Linux's schedstat, so a
    profile taken on a busy machine can tell its own waits (for the GIL, for work) from the other processes'."""
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat", "rb") as stats:
            return time.perf_counter(), int(stats.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter(), 0.0


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
        self._folders: dict[str, str] = {}  # blob folders made (or found) by this process, by name prefix

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled only to start a disk extraction's reader process from a fork server (a process's memory to
        another's, through a pipe): the keys, the folders and the modes, none of this process's caches."""
        return _unpickled_store, (self.root, self._blob_key, self._naming_key, self.dir_mode, self.file_mode,
                                  self.tmp_dir)

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
        the worker threads would cost more than the work (thousands of small files).
        """
        self._ensure_dir(self.tmp_dir)
        cancel.check()
        first = _read_block(source, segment_size, label)
        if len(first) < segment_size:
            return self._ingest_small(first, extra_hashes, label, progress, segment_size, sync)
        keep_segment_memory()
        encryptor = SegmentEncryptor(self._blob_key, segment_size)
        # MD5 and SHA-1 (``disk add --copy``) each in a lane of their own, so neither waits for another hash
        lanes = [_Lane(name, MultiHasher((name,))) for name in ("sha256", "blake3", *extra_hashes)]
        cipher_hash = new_hasher(NAME_HASH)
        fd, temp_name = _make_temp(self.tmp_dir, self.file_mode)
        temp_path = Path(temp_name)
        writeback = _Writeback(fd)
        started, caller_started = time.perf_counter(), time.thread_time()
        cipher_hash.update(encryptor.header)
        chunk_size = segment_size * CHUNK_SEGMENTS
        try:
            _pwrite_all(fd, encryptor.header, 0)
            pipeline = _Pipeline(encryptor, lanes, cipher_hash, lambda offset, data: _pwrite_all(fd, data, offset),
                                 writeback.written, _worker_count(len(lanes)) - 1)
            head = first[:4096]

            def chunks() -> Iterator[tuple[bytes, bool]]:
                """The source in chunks of CHUNK_SEGMENTS segments, each known to be the last or not."""
                block = first + _read_block(source, chunk_size - len(first), label)
                done = 0
                while True:
                    cancel.check()
                    following = _read_block(source, chunk_size, label) if len(block) == chunk_size else b""
                    done += len(block)
                    progress(done, total, label)
                    yield block, not following
                    if not following:
                        return
                    block = following

            pipeline.run(chunks())
            piped = time.perf_counter()
            if sync:
                os.fsync(fd)
            os.close(fd)
            fd = -1
            cipher_size = pipeline.size
            last_profile.clear()
            last_profile.update({"pipeline_s": piped - started, "final_fsync_s": time.perf_counter() - piped,
                                 "caller_cpu_s": time.thread_time() - caller_started,
                                 **{f"{name}_cpu_s": seconds for name, seconds in pipeline.cpu.items()},
                                 "threads": len(pipeline.workers) + 1, "waited_for_work_s": pipeline.waited,
                                 "thread_s": pipeline.thread_seconds, "queued_s": pipeline.queued})
        except BaseException as exc:
            if fd >= 0:
                os.close(fd)
            temp_path.unlink(missing_ok=True)
            raise _translate(exc, label) from exc
        hashes: dict[str, str] = {}
        for lane in lanes:
            hashes |= lane.hasher.hexdigests()
        return IngestResult(
            temp_name=temp_name,
            size=lanes[0].hasher.size,
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
        folder = self._folders.get(name[:2])  # strings, not Paths: a batch moves thousands of blobs
        if folder is None:
            folder = os.path.join(self.blobs_dir, name[:2])
            self._ensure_dir(Path(folder))
            self._folders[name[:2]] = folder
        os.replace(result.temp_name, folder + os.sep + name)
        if sync:
            _fsync_dir(Path(folder))
        return name

    def sync_filesystem(self) -> None:
        """Make every write and rename under the vault durable at once (syncfs on Linux)."""
        sync_filesystem(self.root)

    def discard(self, result: IngestResult) -> None:
        try:
            os.unlink(result.temp_name)
        except FileNotFoundError:
            pass

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


def _unpickled_store(root: Path, blob_key: bytes, naming_key: bytes, dir_mode: int, file_mode: int,
                     tmp_dir: Path) -> BlobStore:
    store = BlobStore(root, blob_key, naming_key, dir_mode=dir_mode, file_mode=file_mode)
    store.tmp_dir = tmp_dir
    return store


class _HashingReader:
    """Wraps a file so everything read through it is also hashed."""

    def __init__(self, handle: BinaryIO, digest: Any) -> None:
        self._handle = handle
        self._digest = digest

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._digest.update(data)
        return data


def _worker_count(lanes: int) -> int:
    """One thread per core this process may use, but no more than the kinds of task that can run at once
    (reading, each lane, the name lane and the AEAD): on more cores than that, SHA-256's lane is the bound."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, lanes + 3))


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


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    """Write all of ``data`` at ``offset`` (short writes are retried); workers write their segments in any order."""
    with memoryview(data) as view:
        while view:
            written = os.pwrite(fd, view, offset)
            view, offset = view[written:], offset + written


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
        path = f"{_temp_prefix(directory)}{next(_temp_numbers)}.part"
        try:
            fd = os.open(path, _TEMP_FLAGS, mode)
            if mode & ~0o600:  # group access asked for: the umask must not take it away
                os.fchmod(fd, mode)
            return fd, path
        except FileExistsError:
            continue


_prefix: tuple[Path | None, int, str] = (None, 0, "")  # the last directory and pid, and their temp names' start


def _temp_prefix(directory: Path) -> str:
    global _prefix
    known = _prefix  # read once: another thread may replace it
    pid = os.getpid()
    if known[0] is not directory or known[1] != pid:
        known = _prefix = (directory, pid, os.path.join(directory, f"ingest-{pid}-{_TEMP_TOKEN}-"))
    return known[2]


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
