"""Extraction on two cores: a reader process reads the image, this process commits to the vault.

Extracting many small files is per-file work on both sides: walking and reading
the image (pytsk3), hashing and encrypting each file into a temp blob, then the
rows and the signed custody entry. In one process the GIL runs them one after
the other. Here a forked reader process walks the image and streams every file
through the vault's own ``blobs.ingest`` (hashed and encrypted in one pass into
a temp blob, exactly as ``Batch.add_content`` does), and reports the finished
temp blob with its locator; this process adds it with ``Batch.add_ingested`` and
commits, in walk order, one custody entry per item.

Why fork: the child inherits the unlocked vault's blob keys in memory, so no key
travels over a pipe, and it never touches the database (it leaves with
``os._exit``, as multiprocessing's fork children do). Where fork is not the
platform's safe default (Windows, macOS) extraction reads in this process.

The vault's guarantees hold: every byte is hashed on its way in (same ingest);
a temp blob is closed before it is reported, and the batch syncs the file
system before its database commit; memory stays bounded (the reader may run
ahead of the commits by a bounded number of files and bytes, then waits); a
cancel or an error stops the reader between files (or segments of a large one),
and every temp blob it wrote, reported or not, is removed (the reader writes
them into a folder of its own under tmp/), so nothing is half-written.
"""

from __future__ import annotations

import copy
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

from .disk_extract import Extractor, PreparedFile, Selection

PARALLEL_AVAILABLE = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
_SEND_EVERY = 0.05  # seconds: reported files travel in small groups (one pipe write for many files)
_SEND_AT = 16  # files (a group stays well under the pipe's buffer, so the reader rarely waits)
_PIPE_BYTES = 1 << 20  # Linux's default limit for an unprivileged pipe
_PROGRESS_EVERY = 0.25  # seconds, for a large file still being read


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


class ReaderFailed(errors.CollectorError):
    """The reader process stopped without saying why (killed, out of memory)."""


class ReaderProcess:
    """Starts the reader; :meth:`files` yields what it prepared; :meth:`stop` on any early exit.

    A pump thread moves reported files from the pipe into memory while the batch
    commits (thousands of rows at a time), so the reader keeps working instead of
    waiting on a full pipe; how far it may run ahead is bounded in files and bytes.
    """

    def __init__(self, job: ReaderJob, *, ahead_files: int = 6000, ahead_bytes: int = 1 << 30) -> None:
        context = multiprocessing.get_context("fork")
        self._blobs = job.blobs
        job.blobs.tmp_dir.mkdir(parents=True, exist_ok=True)
        self._temp = Path(tempfile.mkdtemp(prefix="reader-", dir=job.blobs.tmp_dir))  # all the reader's temp blobs
        self._stop = context.Event()
        self._recv, send = context.Pipe(duplex=False)
        _widen(self._recv.fileno())
        self._process = context.Process(target=_reader_main, args=(job, send, self._stop, self._temp),
                                        name="disk-reader", daemon=True)
        self._process.start()
        send.close()
        self._limits = (ahead_files, ahead_bytes)
        self._ahead = [0, 0]  # files, bytes received and not yet handed out
        self._groups: deque[list[Any]] = deque()
        self._ready = threading.Condition()
        self._pump_over = False
        self._stopping = False
        self._pump = threading.Thread(target=self._run_pump, name="disk-reader-pump", daemon=True)
        self._pump.start()
        self._held: list[Any] = []  # the group being handed out
        self._finished = False
        self.skipped: list[tuple[str, str]] = []
        self.warnings: list[ItemWarning] = []

    def files(self, cancel: CancelToken, progress: Progress) -> Iterator[PreparedFile]:
        """Prepared files in walk order; the caller adds each one to a batch at once."""
        while not self._finished:
            cancel.check()
            if not self._held:
                self._held = self._next_group(0.1)
                continue
            message = self._held.pop(0)
            kind = message[0]
            if kind == "file":
                progress(message[2], None, message[1].name)
                yield message[1]
            elif kind == "progress":
                progress(message[1], None, message[2])
            elif kind == "skip":
                self.skipped.append(message[1])
            else:
                self._finish(message)

    def stop(self) -> None:
        """Stop the reader and remove every temp blob it reported that no batch took; idempotent."""
        self._stop.set()
        with self._ready:
            self._stopping = True
            self._ready.notify_all()
        deadline = time.monotonic() + 60
        while True:
            for message in self._held:
                if message[0] == "file":
                    self._blobs.discard(message[1].content)
                elif message[0] in ("end", "cancelled", "error"):
                    self._finished = True
            self._held = []
            if self._finished or time.monotonic() > deadline:
                break
            try:
                self._held = self._next_group(0.5)
            except ReaderFailed:
                break
        self.close()

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
        raise ReaderFailed(f"the image reader stopped unexpectedly (exit code {self._process.exitcode})")

    def _finish(self, message: tuple[Any, ...]) -> None:
        self._finished = True
        if message[0] == "end":
            self.warnings.extend(message[1])
            return
        if message[0] == "cancelled":
            raise errors.Cancelled("cancelled by the user; nothing was half-written")
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
    """The parent's stop request, seen by the reader (a process-shared event)."""

    def __init__(self, event: Any) -> None:  # noqa: D107 - the event replaces the thread one
        self._event = event


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


def _reader_main(job: ReaderJob, conn: Any, stop: Any, temp: Path) -> None:
    """The reader process: walk, read and ingest; report each file; never touch the database."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us cleanly
    outbox = _Outbox(conn)
    cancel = _StopToken(stop)
    blobs = copy.copy(job.blobs)  # the same keys and store, temp blobs in the reader's own folder
    blobs.tmp_dir = temp

    def ingest(stream: BinaryIO, **options: Any) -> IngestResult:
        return blobs.ingest(stream, segment_size=job.segment_size, sync=False, **options)

    try:
        try:
            with DiskImage.open(job.image_path, local_zone=job.local_zone) as image:
                extractor = Extractor(image, job.image_item, extra_hashes=job.extra_hashes, cancel=cancel,
                                      progress=outbox.progress)
                skipped: list[tuple[str, str]] = []
                for entry in extractor.select(job.selection, job.partition):
                    cancel.check()
                    prepared = extractor.prepare(entry, skipped, ingest)
                    for item in extractor.skipped + skipped:
                        outbox.add(("skip", item))
                    skipped.clear()
                    extractor.skipped.clear()
                    if prepared is not None:
                        outbox.add(("file", prepared, extractor.done_bytes))
                for item in extractor.skipped:
                    outbox.add(("skip", item))
                extractor.skipped.clear()
                outbox.add(("end", extractor.warnings))
        except errors.Cancelled:
            outbox.add(("cancelled",))
        except BaseException as exc:  # reported to the parent, which raises it there
            outbox.add(("error", type(exc).__name__, str(exc), traceback.format_exc()))
        outbox.flush()
    except (BrokenPipeError, ConnectionResetError, EOFError):
        outbox.abandon()
    finally:
        conn.close()
    os._exit(0)  # no atexit handlers, no finalizers: the inherited vault and database stay untouched
