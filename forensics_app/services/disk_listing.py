"""``disk ls -r --json`` on every core: the subtrees of the top directory listed by forked workers.

A recursive listing is per-entry Python work (pytsk3 objects, then JSON text); one
core does about 100,000 entries a second. Here the parent lists the top directory
itself and hands each subdirectory's subtree, in order, to the next free worker
(``fork``: each reopens the image read-only, so no file offset is shared); workers
send JSON text back in batches, already encoded as UTF-8 (the parent, which all output
passes through, only copies bytes: it does not decode and encode them again), and the
parent writes the subtrees in walk order, so the output is byte for byte what one process
writes (a test holds them equal).
Memory stays bounded: past :data:`AHEAD_BYTES` of text held for later subtrees, the
parent reads only from the worker of the subtree being written, and the others wait.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, cast

from collectors.disk import DiskImage, Entry, Walker, WalkOptions
from collectors.disk.entries import ORPHAN_DIR, json_bytes
from evidence_store import errors
from evidence_store.models import ItemWarning
from evidence_store.tasks import NEVER_CANCELLED, CancelToken

AVAILABLE = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
AHEAD_BYTES = 64 << 20


def worker_count() -> int:
    """Workers for the cores that are idle now: on a machine already busy on every core, more processes
    only add the cost of forking and piping (measured: more CPU, no shorter wall time), so one."""
    cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:
        busy = 0.0
    return max(1, min(4, cores, round(cores - busy + 1)))


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
        if workers < 2 or len(tasks) < 2 or not AVAILABLE or threading.current_thread() is not threading.main_thread():
            yield from _sequential(part, plan, int(root), deleted_only, warnings, cancel)
        else:
            yield from _parallel(image.path, image.local_zone, part.index, plan, tasks, int(root), deleted_only,
                                 warnings, cancel, workers)
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
              tasks: list[tuple[bytes, int, bool]], root: int, deleted_only: bool, warnings: list[ItemWarning],
              cancel: CancelToken, workers: int) -> Iterator[bytes]:
    context = multiprocessing.get_context("fork")
    counter = context.Value("i", 0)
    pipes: list[Connection] = []
    processes = []
    for _ in range(min(workers, len(tasks))):
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_worker, args=(str(image_path), zone, partition, tasks, root, deleted_only,
                                                        counter, send), daemon=True)
        process.start()
        send.close()
        pipes.append(receive)
        processes.append(process)
    held: dict[int, list[bytes]] = {}  # text of later subtrees, waiting for their turn
    finished: dict[int, list[ItemWarning]] = {}
    owner: dict[int, Connection] = {}
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
                for ready in wait(readable, timeout=0.2):
                    pipe = cast(Connection, ready)
                    try:
                        message: tuple[Any, ...] = pipe.recv()
                    except EOFError:
                        open_pipes.remove(pipe)
                        if not open_pipes and task not in finished:
                            raise errors.CollectorError("a listing worker stopped unexpectedly",
                                                        message_vi="một tiến trình liệt kê tệp đã dừng bất thường") from None
                        continue
                    kind, number = message[0], message[1]
                    if kind == "start":
                        owner[number] = pipe
                    elif kind == "text":
                        held.setdefault(number, []).append(message[2])
                        held_bytes += len(message[2])
                    elif kind == "end":
                        finished[number] = message[2]
                    elif kind == "error":
                        known = getattr(errors, message[2], None)
                        if isinstance(known, type) and issubclass(known, errors.ForensicsError):
                            raise known(message[3])
                        raise RuntimeError(f"listing worker failed: {message[2]}: {message[3]}\n{message[4]}")
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(10)
        for pipe in pipes:
            pipe.close()


def _worker(image_path: str, zone: str, partition: int, tasks: list[tuple[bytes, int, bool]], root: int,
            deleted_only: bool, counter: Any, send: Connection) -> None:
    """Take the next subtree, list it, send its text in batches; until none is left."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
    try:
        with DiskImage.open(image_path, local_zone=zone) as image:
            part = image.partition(partition)
            while True:
                with counter.get_lock():
                    number = counter.value
                    counter.value += 1
                if number >= len(tasks):
                    break
                name, inode, orphan = tasks[number]
                send.send(("start", number))
                walker = Walker(part, WalkOptions(recursive=True, deleted_only=deleted_only))
                for text in walker.subtree_json(b"", name, inode, root, orphan):
                    send.send(("text", number, text))
                send.send(("end", number, walker.warnings))
    except (BrokenPipeError, ConnectionResetError):
        pass
    except BaseException as exc:  # reported to the parent, which raises it there
        try:
            send.send(("error", -1, type(exc).__name__, str(exc), traceback.format_exc()))
        except (BrokenPipeError, ConnectionResetError):
            pass
    finally:
        send.close()
    os._exit(0)
