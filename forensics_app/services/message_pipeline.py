"""Messages parsed in a worker process while this process stores them (two cores, one each).

Parsing MIME (Python's e-mail package, line by line) and storing (hashing,
encrypting, committing) take about as long as each other, so the import runs
them side by side: the reading order is kept, at most ``window`` messages are in
flight (memory stays bounded whatever the mailbox size), and a message the
parser chokes on is reported with its place instead of stopping the import.
The parser processes start as a disk extraction's readers do (:mod:`.helper_processes`: forked from the main
thread, from a fork server off it); where none may start, everything runs here, in order.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from typing import Any

from collectors.base import Artifact
from collectors.messages.options import MailOptions
from collectors.messages.rfc822 import MessageJob, MessageReader

from .helper_processes import helper_context

Outcome = tuple[MessageJob, "list[Artifact] | None", "str | None"]
_WORKER_READER: MessageReader | None = None


def _init(options: MailOptions) -> None:
    global _WORKER_READER
    _WORKER_READER = MessageReader(options)


def _parse(job: MessageJob, prefix: str) -> tuple[list[Artifact] | None, str | None]:
    assert _WORKER_READER is not None
    return run_safely(_WORKER_READER, job, prefix)


def run_safely(reader: MessageReader, job: MessageJob, prefix: str | None = None) -> tuple[list[Artifact] | None,
                                                                                           str | None]:
    try:
        return reader.run(job, prefix), None
    except RecursionError:
        return None, "nested too deeply to parse"
    except Exception as exc:  # a message the e-mail package cannot handle must not stop the mailbox
        return None, f"could not be parsed: {type(exc).__name__}: {exc}"


def default_workers() -> int:
    """One parser process beside this one on a multi-core machine where one may start from this thread, else
    none."""
    if helper_context() is None:
        return 0
    return max(0, min(3, (os.cpu_count() or 1) - 1))


def parsed(reader: MessageReader, jobs: Iterator[MessageJob], *, workers: int, window: int = 16) -> Iterator[Outcome]:
    """``(job, group, problem)`` for every job, in order."""
    context = helper_context() if workers > 0 else None
    if context is None:
        for job in jobs:
            group, problem = run_safely(reader, job)
            yield job, group, problem
        return
    pool = context.Pool(workers, initializer=_init, initargs=(reader.options,))
    pending: deque[tuple[MessageJob, Any]] = deque()
    try:
        for number, job in enumerate(jobs):
            pending.append((job, pool.apply_async(_parse, (job, f"p{number}."))))
            if len(pending) >= window:
                done, result = pending.popleft()
                yield (done, *result.get())
        while pending:
            done, result = pending.popleft()
            yield (done, *result.get())
        pool.close()
        pool.join()
    finally:
        pool.terminate()
