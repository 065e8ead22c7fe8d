"""The work queue: one thread and one vault connection per lane, jobs run one at a time.

Modelled on vorta's ``jobs_manager``: a lane owns its own vault connection and
runs its jobs in order, so a lane never has two writers; the vault's writer lock
serialises the short writes of different lanes. Plain Python (no Qt), so the
rules are tested without a window: the GUI only turns :class:`JobEvent`\\ s into
signals.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple

from evidence_store import Cancelled, CancelToken, ForensicsError, Vault

Work = Callable[[Vault, Callable[[int, "int | None", str], None], CancelToken], Any]


class JobState(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobEvent(NamedTuple):
    """What a job reports; ``kind`` is a :class:`JobState` value or ``"progress"``."""

    job: Job
    kind: str
    done: int = 0
    total: int | None = None
    label: str = ""


_ids = itertools.count(1)


@dataclass(eq=False)
class Job:
    """A unit of work on a vault: ``work(vault, progress, cancel)`` returns the result."""

    title: str
    work: Work
    id: int = field(default_factory=lambda: next(_ids))
    cancel_token: CancelToken = field(default_factory=CancelToken)
    state: JobState = JobState.QUEUED
    result: Any = None
    error: BaseException | None = None
    details: str = ""  # traceback of an unexpected error (a bug), for the crash log
    finished: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self.cancel_token.cancel()

    @property
    def internal_error(self) -> bool:
        """A failure that is a bug, not a problem the user can act on."""
        return self.error is not None and not isinstance(self.error, ForensicsError)

    def wait(self, timeout: float | None = None) -> bool:
        return self.finished.wait(timeout)


class JobQueue:
    """One lane: a worker thread with its own vault connection, running jobs in order."""

    PROGRESS_INTERVAL = 0.05  # seconds between progress events (the GUI repaints at most 20 times a second)

    def __init__(self, vault: Vault, on_event: Callable[[JobEvent], None], name: str = "tasks") -> None:
        self.vault = vault
        self.name = name
        self._on_event = on_event
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._pending: list[Job] = []
        self._current: Job | None = None
        self._guard = threading.Lock()
        self._close_when_idle = False
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name=f"forensics-{name}", daemon=True)
        self._thread.start()

    # -- the GUI side -------------------------------------------------------------
    def submit(self, job: Job) -> Job:
        with self._guard:
            if self._closed or self._close_when_idle:
                raise ForensicsError("the vault is locked or closed; unlock it to start new work",
                                     message_vi="kho chứng cứ đang khoá hoặc đã đóng; hãy mở khoá để bắt đầu việc mới")
            self._pending.append(job)
        self._emit(JobEvent(job, JobState.QUEUED.value))
        self._queue.put(job)
        return job

    @property
    def current(self) -> Job | None:
        return self._current

    def jobs(self) -> list[Job]:
        """The running job first, then the waiting ones."""
        with self._guard:
            return ([self._current] if self._current else []) + list(self._pending)

    @property
    def busy(self) -> bool:
        return bool(self.jobs())

    def cancel_all(self) -> None:
        for job in self.jobs():
            job.cancel()

    def close_when_idle(self) -> None:
        """Accept no more jobs; close the connection once the running ones end."""
        with self._guard:
            self._close_when_idle = True
        self._queue.put(None)

    def reopen(self) -> bool:
        """Take jobs again after :meth:`close_when_idle`; False if the lane has already closed."""
        with self._guard:
            if self._closed:
                return False
            self._close_when_idle = False
            return True

    def shutdown(self, timeout: float | None = None) -> bool:
        """Cancel everything, wait for the thread, close the connection; True if it ended in time."""
        self.cancel_all()
        self.close_when_idle()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def closed(self) -> bool:
        return self._closed

    # -- the worker side ----------------------------------------------------------
    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                with self._guard:
                    if self._close_when_idle and not self._pending:
                        self._close()
                        return
                continue
            with self._guard:
                if job in self._pending:
                    self._pending.remove(job)
                self._current = job
            try:
                self._run(job)
            finally:
                with self._guard:
                    self._current = None
                job.finished.set()
                self._emit(JobEvent(job, job.state.value))
            with self._guard:
                if self._close_when_idle and not self._pending:
                    self._close()
                    return

    def _run(self, job: Job) -> None:
        if job.cancel_token.cancelled:
            job.state = JobState.CANCELLED
            return
        job.state = JobState.RUNNING
        self._emit(JobEvent(job, JobState.RUNNING.value))
        last = 0.0

        def progress(done: int, total: int | None, label: str) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= self.PROGRESS_INTERVAL or (total is not None and done >= total):
                last = now
                self._emit(JobEvent(job, "progress", done, total, label))

        try:
            job.result = job.work(self.vault, progress, job.cancel_token)
            job.state = JobState.DONE
        except Cancelled as exc:
            job.state, job.error = JobState.CANCELLED, exc
        except BaseException as exc:  # every failure becomes an event; a bug keeps its traceback
            job.state, job.error = JobState.FAILED, exc
            if not isinstance(exc, ForensicsError):
                job.details = traceback.format_exc()

    def _close(self) -> None:
        if not self._closed:
            self._closed = True
            self.vault.close()

    def _emit(self, event: JobEvent) -> None:
        try:
            self._on_event(event)
        except Exception:  # a listener must never kill the lane
            traceback.print_exc()
