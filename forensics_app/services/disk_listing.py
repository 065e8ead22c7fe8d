"""``disk ls -r --json`` on every core: the subtrees of the top directory listed by forked workers.

A recursive listing is per-entry Python work (pytsk3 objects, then JSON text); one
core does about 170,000 entries a second. Here the parent lists the top directory
itself and each worker (``os.fork``: each reopens the image read-only, so no file
offset is shared) takes the next subtree's number from a pipe filled before the fork,
lists it and sends its JSON text back in batches through a pipe of its own, already
encoded as UTF-8 and not pickled (the parent, which all output passes through, only
copies bytes: it does not decode and encode them again); the parent writes the subtrees
in walk order, so the output is byte for byte what one process writes (a test holds
them equal). Neither ``multiprocessing`` nor its shared counter is used: importing
them cost more CPU (15 ms) than the rest of the set-up.
Memory stays bounded: past :data:`AHEAD_BYTES` of text held for later subtrees, the
parent reads only from the worker of the subtree being written, and the others wait.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import select
import signal
import struct
import sys
import threading
from collections.abc import Iterator
from typing import Any

from collectors.disk import DiskImage, Entry, Walker, WalkOptions
from collectors.disk.entries import ORPHAN_DIR, json_bytes
from evidence_store import errors
from evidence_store.models import ItemWarning
from evidence_store.tasks import NEVER_CANCELLED, CancelToken

AVAILABLE = sys.platform.startswith("linux")  # fork, and pipes read under a lock (the task queue)
AHEAD_BYTES = 64 << 20


def worker_count() -> int:
    """A worker per core (at most 4), busy machine or not: with a worker costing about 10 % more CPU in all
    (fork, pipes), two workers beat one on a shared 2-core machine too (load average 4: median wall 0.98 s
    against 1.46 s for 100,000 entries), as the scheduler shares the cores among all runnable processes."""
    return max(1, min(4, os.cpu_count() or 1))


def json_listing(image: DiskImage, partitions: list[int], *, deleted_only: bool, warnings: list[ItemWarning],
                 cancel: CancelToken = NEVER_CANCELLED, workers: int | None = None) -> Iterator[bytes]:
    """Pieces of JSON text in UTF-8 (entries joined by ``,\\n  ``) for a recursive listing from the root."""
    workers = workers or worker_count()
    for index in partitions:
        part = image.partition(index)
        assert part.fs is not None
        if part.fs.family == "apfs":  # listed by libfsapfs, in one process
            walker = Walker(part, WalkOptions(recursive=True), cancel=cancel)
            yield from (json_bytes(e) for e in walker.walk() if _keep(e, deleted_only))
            warnings.extend(walker.warnings)
            continue
        walker = Walker(part, WalkOptions(recursive=False), cancel=cancel)
        top = list(walker.walk(b"/"))
        warnings.extend(walker.warnings)
        root = int(part.fs.tsk.info.root_inum)
        tasks: list[tuple[bytes, int, bool]] = []  # subtrees to list: (name, inode, orphan), in walk order
        plan: list[tuple[Entry, int | None]] = []  # each top entry, and the subtree listed right after it
        followed: set[int] = set()
        for group in _groups(top):  # a name's streams (NTFS), then its subtree, as the walker orders them
            first = group[0]
            task = None
            if first.is_dir and first.inode not in followed:
                followed.add(first.inode)
                task = len(tasks)
                tasks.append((first.name, first.inode, first.orphan or first.name == ORPHAN_DIR))
            plan.extend((entry, None) for entry in group[:-1])
            plan.append((group[-1], task))
        queue = None
        if workers > 1 and len(tasks) > 1 and AVAILABLE and threading.current_thread() is threading.main_thread():
            queue = _task_queue(len(tasks))
        if queue is None:
            yield from _sequential(part, plan, int(root), deleted_only, warnings, cancel)
        else:
            yield from _parallel(image.path, image.local_zone, part.index, plan, tasks, queue, int(root),
                                 deleted_only, warnings, cancel, workers)
        if part.fs is not None and part.fs.family == "ntfs":
            walker = Walker(part, WalkOptions(recursive=True), cancel=cancel)
            walker.warn_unreadable_records()
            warnings.extend(walker.warnings)


def _groups(entries: list[Entry]) -> Iterator[list[Entry]]:
    """Consecutive entries of one directory entry (NTFS: one per stream of the same name and inode)."""
    group: list[Entry] = []
    for entry in entries:
        if group and (entry.name, entry.inode) != (group[0].name, group[0].inode):
            yield group
            group = []
        group.append(entry)
    if group:
        yield group


def _keep(entry: Entry, deleted_only: bool) -> bool:
    return not deleted_only or entry.deleted or entry.orphan


def _sequential(part: Any, plan: list[tuple[Entry, int | None]], root: int, deleted_only: bool,
                warnings: list[ItemWarning], cancel: CancelToken) -> Iterator[bytes]:
    walker = Walker(part, WalkOptions(recursive=True, deleted_only=deleted_only), cancel=cancel)
    for entry, task in plan:
        if _keep(entry, deleted_only):
            yield json_bytes(entry)
        if task is not None:
            yield from walker.subtree_json(b"", entry.name, entry.inode, root,
                                           entry.orphan or entry.name == ORPHAN_DIR)
    warnings.extend(walker.warnings)


def _parallel(image_path: Any, zone: str, partition: int, plan: list[tuple[Entry, int | None]],
              tasks: list[tuple[bytes, int, bool]], queue: int, root: int, deleted_only: bool,
              warnings: list[ItemWarning], cancel: CancelToken, workers: int) -> Iterator[bytes]:
    """The listing by ``workers`` forked processes taking subtrees from ``queue`` (closed here)."""
    pipes: dict[int, int] = {}  # worker's pipe (read end) -> its process id
    try:
        for _ in range(min(workers, len(tasks))):
            read_end, write_end = os.pipe()
            _widen(write_end, 1 << 20)  # a whole batch of text fits: the worker writes it without waiting for us
            try:
                pid = os.fork()
            except OSError:  # no more processes to be had (a limit): list with the workers there are
                os.close(read_end)
                os.close(write_end)
                if pipes:
                    break
                raise
            if pid == 0:  # the worker
                try:
                    for fd in (*pipes, read_end):
                        os.close(fd)
                    _worker(str(image_path), zone, partition, tasks, root, deleted_only, queue, write_end)
                finally:
                    os._exit(1)  # never back into the parent's code
            os.close(write_end)
            pipes[read_end] = pid
    except BaseException:
        _stop(pipes)
        raise
    finally:
        os.close(queue)
    held: dict[int, list[bytes]] = {}  # text of later subtrees, waiting for their turn
    finished: dict[int, list[ItemWarning]] = {}
    owner: dict[int, int] = {}  # subtree -> the pipe of the worker listing it
    listing: dict[int, int] = {}  # pipe -> the subtree its worker lists now
    held_bytes = 0
    open_pipes = list(pipes)
    try:
        for entry, task in plan:
            cancel.check()
            if _keep(entry, deleted_only):
                yield json_bytes(entry)
            if task is None:
                continue
            while True:
                if held.get(task):
                    pieces = held.pop(task)
                    held_bytes -= sum(len(p) for p in pieces)
                    held[task] = []
                    yield from pieces
                if task in finished:
                    warnings.extend(finished.pop(task))
                    held.pop(task, None)
                    break
                cancel.check()
                readable = open_pipes if held_bytes < AHEAD_BYTES or task not in owner else [owner[task]]
                for pipe in _ready(readable, 0.2):
                    message = _receive(pipe)
                    if message is None:  # the worker has ended
                        open_pipes.remove(pipe)
                        if not open_pipes and task not in finished:
                            raise errors.CollectorError("a listing worker stopped unexpectedly",
                                                        message_vi="một tiến trình liệt kê tệp đã dừng bất thường")
                        continue
                    kind, data = message
                    if kind == _TEXT:  # of the subtree this worker lists, kept as it is
                        held.setdefault(listing[pipe], []).append(data)
                        held_bytes += len(data)
                        continue
                    if kind == _START:
                        number = int(data)
                        owner[number], listing[pipe] = pipe, number
                    elif kind == _END:
                        finished[listing[pipe]] = pickle.loads(data)
                    else:
                        name, text, trace = pickle.loads(data)
                        known = getattr(errors, name, None)
                        if isinstance(known, type) and issubclass(known, errors.ForensicsError):
                            raise known(text)
                        raise RuntimeError(f"listing worker failed: {name}: {text}\n{trace}")
    finally:
        _stop(pipes)


# Messages from a worker: a kind byte and a length, then that many bytes.
_HEADER = struct.Struct("<cI")
_START, _TEXT, _END, _ERROR = b"S", b"T", b"E", b"X"  # subtree number; its JSON text; its warnings; a failure
_TASK = struct.Struct("<I")


def _task_queue(count: int) -> int | None:
    """A pipe holding the numbers of ``count`` subtrees, which the workers take in turn: reading one number
    is one atomic read from a pipe no one writes to any more (Linux reads a pipe under its lock). None when
    they do not fit in a pipe (262,144 do in 1 MiB, the size Linux allows anyone)."""
    numbers = b"".join(_TASK.pack(number) for number in range(count))
    read_end, write_end = os.pipe()
    try:
        if len(numbers) > 65536:
            _widen(write_end, len(numbers))
        os.set_blocking(write_end, False)  # a queue too long for the pipe is written in part, never waited on
        written = os.write(write_end, numbers)
    except OSError:
        written = 0
    finally:
        os.close(write_end)
    if written != len(numbers):
        os.close(read_end)
        return None
    return read_end


def _widen(fd: int, size: int) -> None:
    """A pipe holding ``size`` bytes (Linux lets anyone go up to 1 MiB, fs.pipe-max-size)."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)
    except OSError:  # a lower limit: a smaller pipe works, only slower
        pass


def _ready(fds: list[int], timeout: float) -> list[int]:
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    return [fd for fd, _ in poller.poll(timeout * 1000)]


def _receive(fd: int) -> tuple[bytes, bytes] | None:
    """The next message of a worker's pipe (waiting for all of it), or None when the worker has ended."""
    header = os.read(fd, _HEADER.size)
    if not header:
        return None
    if len(header) < _HEADER.size:
        header += _read(fd, _HEADER.size - len(header))
    kind, size = _HEADER.unpack(header)
    return kind, _read(fd, size)


def _read(fd: int, size: int) -> bytes:
    """``size`` bytes of a message (a pipe gives what it holds: a large message comes in parts)."""
    parts = []
    while size:
        part = os.read(fd, size)
        if not part:
            raise errors.CollectorError("a listing worker stopped unexpectedly",
                                        message_vi="một tiến trình liệt kê tệp đã dừng bất thường")
        parts.append(part)
        size -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _send(fd: int, kind: bytes, data: bytes) -> None:
    header = _HEADER.pack(kind, len(data))
    written = os.writev(fd, [header, data])
    if written < len(header) + len(data):  # a signal cut the write short: the rest
        rest = memoryview(header + data)[written:]
        while rest:
            rest = rest[os.write(fd, rest):]


def _stop(pipes: dict[int, int]) -> None:
    """End the workers (those still listing are stopped) and close their pipes."""
    for fd, pid in pipes.items():
        try:
            os.kill(pid, signal.SIGTERM)  # one that has ended is a zombie until waited for: no other gets its id
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    pipes.clear()


def _worker(image_path: str, zone: str, partition: int, tasks: list[tuple[bytes, int, bool]], root: int,
            deleted_only: bool, queue: int, send: int) -> None:
    """Take the next subtree, list it, send its text in batches; until none is left. Never returns."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
    try:
        with DiskImage.open(image_path, local_zone=zone) as image:
            part = image.partition(partition)
            while True:
                taken = os.read(queue, _TASK.size)
                if not taken:
                    break
                number = _TASK.unpack(taken)[0]
                name, inode, orphan = tasks[number]
                _send(send, _START, b"%d" % number)
                walker = Walker(part, WalkOptions(recursive=True, deleted_only=deleted_only))
                for text in walker.subtree_json(b"", name, inode, root, orphan):
                    _send(send, _TEXT, text)
                _send(send, _END, pickle.dumps(walker.warnings))
    except BrokenPipeError:
        pass
    except BaseException as exc:  # reported to the parent, which raises it there
        import traceback

        try:
            _send(send, _ERROR, pickle.dumps((type(exc).__name__, str(exc), traceback.format_exc())))
        except BrokenPipeError:
            pass
    finally:
        os._exit(0)
