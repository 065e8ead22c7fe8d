"""Extraction on every core: reader processes read the image, this process commits to the vault.

Extracting many small files is per-file work on both sides: walking and reading
the image (pytsk3), hashing and encrypting each file into a temp blob, then the
rows and the signed custody entry. In one process the GIL runs them one after
the other. Here forked reader processes (one per core) each walk the image and
stream every N-th file through the vault's own ``blobs.ingest`` (hashed and
encrypted in one pass into a temp blob, exactly as ``Batch.add_content`` does),
reporting the finished temp blob with its locator, encoded (one tuple per file:
:class:`.disk_extract.EncodedFile`); this process takes the reports in turn
(which is walk order), encodes each record from a template, adds each with
``Batch.add_ready`` and commits, in walk order, one custody entry per item (the
record is encoded here because the reader, which walks, reads, hashes,
encrypts and writes, is the busier of the two). A reader also analyses each
small file (text, entities, events) from the bytes it has in memory, and this
process stores that after the chunk's commit (:func:`.analysis.rebind`), so the
analysis that follows every acquisition need not read them back.

A new image is registered before its files: hashed whole (MD5, SHA-1, SHA-256, BLAKE3), which takes this
process for as long as reading the image takes. The readers do not wait for it: they start first, with the
item's uid chosen ahead, and hold what they prepare (bounded) until the item is committed and its id, which
every locator names, is known (:meth:`ReaderProcess.image_registered`); this process commits nothing before.

How the readers start (:mod:`.helper_processes`): forked from the main thread, so the child inherits the
unlocked vault's blob keys in memory; from a fork server elsewhere (the desktop app's worker threads), the job
and its keys sent through a pipe. Either way the reader never touches the database (it leaves with
``os._exit``, as multiprocessing's fork children do). Where fork is not the platform's safe default (Windows,
macOS) extraction reads in this process.

The vault's guarantees hold: every byte is hashed on its way in (same ingest);
a temp blob is closed before it is reported, and the batch syncs the file
system before its database commit; memory stays bounded (the reader may run
ahead of the commits by a bounded number of files and bytes, then waits); a
cancel or an error stops the reader between files (or segments of a large one),
and every temp blob it wrote, reported or not, is removed (the reader writes
them into a folder of its own under tmp/), so nothing is half-written.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import gc
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from collectors.disk import DiskImage
from evidence_store import errors
from evidence_store.blobs import BlobStore, IngestResult
from evidence_store.models import Item, ItemWarning
from evidence_store.tasks import CancelToken, Progress

from .disk_extract import EncodedFile, ExtractedFile, Extractor, Selection
from .helper_processes import helper_context

PARALLEL_AVAILABLE = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
_SEND_EVERY = 0.05  # seconds: reported files travel in small groups (one pipe write for many files)
_SEND_AT = 64  # files (a group stays well under the pipe's buffer, so the reader rarely waits)
_PIPE_BYTES = 1 << 20  # Linux's default limit for an unprivileged pipe
_PROGRESS_EVERY = 0.25  # seconds, for a large file still being read


def can_start_readers() -> bool:
    """Whether reader processes may start from this thread (:mod:`.helper_processes`)."""
    return PARALLEL_AVAILABLE and helper_context() is not None


@dataclass
class ReaderJob:
    """What the reader process needs; passed by fork, never pickled."""

    image_path: str
    local_zone: str
    selection: Selection
    partition: int | None
    image_item: Item
    extra_hashes: tuple[str, ...]
    blobs: BlobStore
    segment_size: int
    examiner_id: int  # who commits: each item's record is encoded for them
    analysis_zone: str | None = None  # analyse small files as they are read (None: after the commit)
    # while the image item is being registered (hashed): the shared id and the event set once it is committed
    image_id_later: tuple[Any, Any] | None = None


class ReaderFailed(errors.CollectorError):
    """The reader process stopped without saying why (killed, out of memory)."""


class ReaderProcess:
    """Starts the readers; :meth:`files` yields what they prepared, in walk order; :meth:`stop` on any early exit.

    Several readers (one per core) walk the same image and each prepares every N-th file of
    the walk (reading, hashing and encrypting are the heavy part, and per file); each reports
    one message per file it was given, so taking them in turn gives the walk order back.
    """

    def __init__(self, job: ReaderJob, *, readers: int | None = None, ahead_files: int = 6000,
                 ahead_bytes: int = 1 << 30, image_pending: bool = False) -> None:
        """``image_pending``: ``job.image_item`` is not committed yet (its uid is chosen, its id is not: the image
        is being hashed); the readers start now and hold what they prepare until :meth:`image_registered`."""
        count = readers or reader_count(analysing=job.analysis_zone is not None)
        self._job = job
        context = helper_context()
        if context is None:
            raise RuntimeError("no reader process may start from this thread here (see can_start_readers)")
        if image_pending:
            job.image_id_later = (context.RawValue("q", 0), context.Event())
        job.blobs.tmp_dir.mkdir(parents=True, exist_ok=True)
        self._readers: list[_Reader] = []
        try:
            for slot in range(count):
                self._readers.append(_Reader(context, job, slot, count, ahead_files // count + 1,
                                             ahead_bytes // count + 1))
        except BaseException:
            self.stop()
            raise
        self._finished = False
        self.skipped: list[tuple[str, str]] = []
        self.warnings: list[ItemWarning] = []

    @property
    def image_item(self) -> Item:
        """The image item the readers name in each locator (before :meth:`image_registered`: its uid only)."""
        return self._job.image_item

    def image_registered(self, item: Item) -> None:
        """The image item the readers began with is committed: they may send what they hold, naming its id."""
        later = self._job.image_id_later
        if later is None or item.uid != self._job.image_item.uid:
            raise ValueError("the readers were not started for this image item")
        later[0].value = item.id
        later[1].set()
        self._job.image_item = item

    def files(self, cancel: CancelToken, progress: Progress) -> Iterator[ExtractedFile]:
        """Prepared files in walk order, their records encoded here; the caller adds each one to a batch at once."""
        image_item, examiner_id = self._job.image_item, self._job.examiner_id
        turn = 0
        done = [0] * len(self._readers)
        while not self._finished:
            cancel.check()
            reader = self._readers[turn]
            message = reader.next_message(0.1)
            if message is None:
                continue
            kind = message[0]
            if kind == "file":
                done[turn] = message[2]
                progress(sum(done), None, message[1].name)
                turn = (turn + 1) % len(self._readers)
                yield message[1].ready(image_item, examiner_id)
            elif kind in ("skip", "none"):
                if kind == "skip":
                    self.skipped.append(message[1])
                turn = (turn + 1) % len(self._readers)
            elif kind == "note":
                self.skipped.append(message[1])
            elif kind == "progress":
                done[turn] = message[1]
                progress(sum(done), None, message[2])
            else:
                self._finish(reader, message, cancel)

    def _finish(self, first: _Reader, message: tuple[Any, ...], cancel: CancelToken) -> None:
        """The walk is over for one reader, so for all: take every reader's last word, raise what went wrong."""
        outcomes = {id(first): message}
        for reader in self._readers:
            while id(reader) not in outcomes:
                cancel.check()
                late = reader.next_message(0.1)
                if late is None:
                    continue
                if late[0] == "note":
                    self.skipped.append(late[1])
                elif late[0] in ("end", "cancelled", "error"):
                    outcomes[id(reader)] = late
                elif late[0] in ("file", "skip", "none"):  # cannot happen: the walk is the same in every reader
                    if late[0] == "file":
                        reader.discard(late[1])
                    raise errors.CollectorError("the image readers disagree on the files of the walk",
                                                message_vi="các tiến trình đọc ảnh đĩa không thống nhất về các tệp đã duyệt")
        self._finished = True
        for reader in self._readers:
            outcome = outcomes[id(reader)]
            if outcome[0] == "error":
                _raise(outcome)
        if any(outcomes[id(r)][0] == "cancelled" for r in self._readers):
            raise errors.Cancelled("cancelled by the user; nothing was half-written")
        self.warnings.extend(outcomes[id(self._readers[0])][1])  # every reader walked the same: one copy

    def stop(self) -> None:
        """Stop the readers and remove every temp blob they reported that no batch took; idempotent."""
        for reader in self._readers:
            reader.request_stop()
        for reader in self._readers:
            reader.drain()
        self.close()

    def close(self) -> None:
        for reader in self._readers:
            reader.close()


_collecting_less = 0
_collecting_lock = threading.Lock()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector rarely, and never over what exists before, while extracting many files.

    Each file is a few dozen small objects made and dropped (refcounting frees them; they form no cycles), and a
    collection pass runs every 700 allocations over a heap that grows with the pending chunk: measured, a third of
    the time spent taking the reader's reports. Freezing what exists also spares the forked readers from touching
    (and so copying) every page of the heap they inherit. Nested or concurrent extractions share one setting.
    """
    global _collecting_less
    with _collecting_lock:
        _collecting_less += 1
        if _collecting_less == 1:
            gc.freeze()
            threshold = gc.get_threshold()
            gc.set_threshold(max(threshold[0], _GC_EVERY), *threshold[1:])
    try:
        yield
    finally:
        with _collecting_lock:
            _collecting_less -= 1
            if _collecting_less == 0:
                gc.set_threshold(_DEFAULT_GC[0], *gc.get_threshold()[1:])
                gc.unfreeze()


_GC_EVERY = 100_000  # allocations between two young-generation passes while extracting (Python's default: 700)
_DEFAULT_GC = gc.get_threshold()


def reader_count(*, analysing: bool = False) -> int:
    """Readers for the cores this process (which commits) leaves free: one on two cores, three on four; one per
    core (up to four) when the readers also analyse what they read, as committing then leaves this one mostly idle.

    Measured on two cores, 100,000 small files, quiet machine, the same hour: without analysis two readers took
    19.1 s against one reader's 17.3 s (both cores were already busy); with analysis 64.1 s against 85.9 s.
    """
    cores = os.cpu_count() or 1
    return max(1, min(4, cores if analysing else cores - 1))


class _Reader:
    """One reader process, its pipe, and a pump thread that moves what it reports into memory.

    The pump lets the reader keep working while the batch commits (thousands of rows at a time)
    instead of waiting on a full pipe; how far it may run ahead is bounded in files and bytes.
    """

    def __init__(self, context: Any, job: ReaderJob, slot: int, count: int, ahead_files: int,
                 ahead_bytes: int) -> None:
        self._blobs = job.blobs
        self._temp = Path(tempfile.mkdtemp(prefix="reader-", dir=job.blobs.tmp_dir))  # all its temp blobs
        self._stop = context.Event()
        self._recv, send = context.Pipe(duplex=False)
        _widen(self._recv.fileno())
        self._process = context.Process(target=_reader_main, args=(job, send, self._stop, self._temp, slot, count),
                                        name=f"disk-reader-{slot}", daemon=True)
        self._process.start()
        send.close()
        self._limits = (ahead_files, ahead_bytes)
        self._ahead = [0, 0]  # files, bytes received and not yet handed out
        self._groups: deque[list[Any]] = deque()
        self._ready = threading.Condition()
        self._pump_over = False
        self._stopping = False
        self._pump = threading.Thread(target=self._run_pump, name=f"disk-reader-pump-{slot}", daemon=True)
        self._pump.start()
        self._held: deque[Any] = deque()  # the group being handed out
        self._last_word = False

    def next_message(self, timeout: float) -> tuple[Any, ...] | None:
        if not self._held:
            self._held = deque(self._next_group(timeout))
            if not self._held:
                return None
        message: tuple[Any, ...] = self._held.popleft()
        if message[0] in ("end", "cancelled", "error"):
            self._last_word = True
        return message

    def discard(self, encoded: EncodedFile) -> None:
        self._blobs.discard(encoded.content)

    def request_stop(self) -> None:
        self._stop.set()
        with self._ready:
            self._stopping = True
            self._ready.notify_all()

    def drain(self) -> None:
        """Remove the temp blobs of every file reported and not taken, until the reader's last word."""
        deadline = time.monotonic() + 60
        while not self._last_word and time.monotonic() < deadline:
            try:
                message = self.next_message(0.5)
            except ReaderFailed:
                break
            if message is not None and message[0] == "file":
                self.discard(message[1])
        for message in self._held:
            if message[0] == "file":
                self.discard(message[1])
        self._held.clear()

    def close(self) -> None:
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
        self._pump.join(10)
        self._recv.close()
        # Committed blobs were renamed out and discarded ones removed; what is left the reader wrote
        # and never reported (it was killed): referenced by nothing.
        shutil.rmtree(self._temp, ignore_errors=True)

    def _run_pump(self) -> None:
        try:
            while True:
                group: list[Any] = self._recv.recv()  # blocks without the GIL
                files = [m[1].content.size for m in group if m[0] == "file"]
                with self._ready:
                    while not self._stopping and (self._ahead[0] >= self._limits[0] or
                                                  self._ahead[1] >= self._limits[1]):
                        self._ready.wait(0.5)
                    self._groups.append(group)
                    self._ahead[0] += len(files)
                    self._ahead[1] += sum(files)
                    self._ready.notify_all()
                if any(m[0] in ("end", "cancelled", "error") for m in group):
                    return
        except (EOFError, OSError):
            return  # the reader is gone: _next_group says so once the groups received are used
        finally:
            with self._ready:
                self._pump_over = True
                self._ready.notify_all()

    def _next_group(self, timeout: float) -> list[Any]:
        with self._ready:
            if not self._groups and not self._pump_over:
                self._ready.wait(timeout)
            if self._groups:
                group = self._groups.popleft()
                files = [m[1].content.size for m in group if m[0] == "file"]
                self._ahead[0] -= len(files)
                self._ahead[1] -= sum(files)
                self._ready.notify_all()
                return group
            if not self._pump_over:
                return []
        self._process.join(5)
        raise ReaderFailed(f"the image reader stopped unexpectedly (exit code {self._process.exitcode})",
                           message_vi=f"tiến trình đọc ảnh đĩa đã dừng bất thường (mã thoát {self._process.exitcode})")


def _raise(message: tuple[Any, ...]) -> None:
    _, name, text, trace = message
    known = getattr(errors, name, None)
    if isinstance(known, type) and issubclass(known, errors.ForensicsError):
        raise known(text)
    raise RuntimeError(f"image reader failed: {name}: {text}\n{trace}")


def _widen(fd: int) -> None:
    """A larger pipe buffer lets the reader run ahead by a few groups instead of taking turns (best effort)."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_BYTES)
    except (ImportError, OSError):
        pass


class _StopToken(CancelToken):
    """The parent's stop request, seen by the reader (a process-shared event), looked at every 10 ms at most.

    The walk and the reader check it for every entry; a process-shared event takes its lock to answer
    (1.4 µs, measured), a clock read a tenth of that.
    """

    def __init__(self, event: Any) -> None:  # noqa: D107 - the event replaces the thread one
        self._event = event
        self._next_look = 0.0

    def check(self) -> None:
        now = time.monotonic()
        if now >= self._next_look:
            self._next_look = now + _LOOK_EVERY
            super().check()


_LOOK_EVERY = 0.01  # seconds between two looks at the parent's stop request


class _Outbox:
    """Groups reported files for the pipe; forgets (and removes) nothing it has not sent."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._pending: list[tuple[Any, ...]] = []
        self._since = time.monotonic()
        self._progress_at = 0.0

    def add(self, message: tuple[Any, ...]) -> None:
        self._pending.append(message)
        if len(self._pending) >= _SEND_AT or time.monotonic() - self._since >= _SEND_EVERY:
            self.flush()

    def progress(self, done: int, _total: int | None, label: str) -> None:
        now = time.monotonic()
        if now - self._progress_at >= _PROGRESS_EVERY:
            self._progress_at = now
            self.add(("progress", done, label))

    def flush(self) -> None:
        if self._pending:
            self._conn.send(self._pending)
            self._pending = []
        self._since = time.monotonic()

    def abandon(self) -> None:
        """The parent is gone: remove the temp blobs it will never see."""
        for message in self._pending:
            if message[0] == "file":
                message[1].content.temp_path.unlink(missing_ok=True)
        self._pending = []


def _notes(outbox: _Outbox, extractor: Extractor, slot: int) -> None:
    """Entries the walk found with nothing to extract: said once, by the first reader."""
    if slot == 0:
        for item in extractor.skipped:
            outbox.add(("note", item))
    extractor.skipped.clear()


def _reader_main(job: ReaderJob, conn: Any, stop: Any, temp: Path, slot: int = 0, count: int = 1) -> None:
    """A reader process: walk, and read and ingest every ``count``-th file from ``slot``; report one message
    per such file (the file, why it was skipped, or nothing); never touch the database."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us cleanly
    outbox = _Outbox(conn)
    cancel = _StopToken(stop)
    blobs = copy.copy(job.blobs)  # the same keys and store, temp blobs in the reader's own folder
    blobs.tmp_dir = temp
    held = _Held(job, outbox, cancel) if job.image_id_later is not None else None

    def ingest(stream: BinaryIO, **options: Any) -> IngestResult:
        return blobs.ingest(stream, segment_size=job.segment_size, sync=False, **options)

    try:
        try:
            with DiskImage.open(job.image_path, local_zone=job.local_zone) as image:
                extractor = Extractor(image, job.image_item, extra_hashes=job.extra_hashes, cancel=cancel,
                                      progress=outbox.progress, analysis_zone=job.analysis_zone,
                                      segment_size=job.segment_size)
                report = outbox.add if held is None else held.add
                skipped: list[tuple[str, str]] = []
                for position, entry in enumerate(extractor.select(job.selection, job.partition)):
                    if position % count != slot:
                        continue
                    cancel.check()
                    prepared = extractor.prepare(entry, skipped, ingest)
                    _notes(outbox, extractor, slot)
                    if prepared is not None:
                        report(("file", prepared.encoded(), extractor.done_bytes))
                    elif skipped:
                        report(("skip", skipped.pop()))
                    else:
                        report(("none",))
                    skipped.clear()
                    if held is not None and held.released:
                        extractor.image_registered(held.released)
                        report, held = outbox.add, None
                if held is not None:
                    held.release()
                _notes(outbox, extractor, slot)
                outbox.add(("end", extractor.warnings))
        except errors.Cancelled:
            outbox.add(("cancelled",))
        except BaseException as exc:  # reported to the parent, which raises it there
            outbox.add(("error", type(exc).__name__, str(exc), traceback.format_exc()))
        if held is not None:
            held.abandon()  # stopped before the image item was committed: what it held goes nowhere
        outbox.flush()
    except (BrokenPipeError, ConnectionResetError, EOFError):
        outbox.abandon()
    finally:
        conn.close()
    os._exit(0)  # no atexit handlers, no finalizers: the inherited vault and database stay untouched


class _Held:
    """A reader's reports made before the image item was committed (the parent is hashing the image): kept, in
    order, until its id is known, then sent with that id in each locator. Bounded: past ``_HOLD_FILES`` files or
    ``_HOLD_BYTES`` of content the reader waits for the id."""

    def __init__(self, job: ReaderJob, outbox: _Outbox, cancel: CancelToken) -> None:
        assert job.image_id_later is not None
        self._job, self._outbox, self._cancel = job, outbox, cancel
        self._id, self._known = job.image_id_later
        self._messages: list[tuple[Any, ...]] = []
        self._bytes = 0
        self.released: Item | None = None

    def add(self, message: tuple[Any, ...]) -> None:
        self._messages.append(message)
        if message[0] == "file":
            self._bytes += message[1].content.size
        if len(self._messages) >= _HOLD_FILES or self._bytes >= _HOLD_BYTES or self._known.is_set():
            self.release()

    def release(self) -> None:
        """Wait for the image item's id (or the parent's stop), then send everything held, naming it."""
        while not self._known.wait(_LOOK_EVERY):
            self._cancel.check()
        item_id = int(self._id.value)
        for message in self._messages:
            self._outbox.add(("file", message[1].with_image_item(item_id), message[2]) if message[0] == "file"
                             else message)
        self._messages = []
        self.released = dataclasses.replace(self._job.image_item, id=item_id)

    def abandon(self) -> None:
        for message in self._messages:
            if message[0] == "file":
                message[1].content.temp_path.unlink(missing_ok=True)
        self._messages = []


_HOLD_FILES = 20_000  # files a reader holds while the image is hashed (about 2 KB each, encoded)
_HOLD_BYTES = 256 << 20  # bytes of their content: in its temp blobs, and in memory what the analysis found in them
