"""Jobs seen from the GUI thread: worker events become Qt signals and callbacks.

Workers call :meth:`TaskCenter.post` from their own threads; Qt queues the
signal to the GUI thread, where the callbacks registered with :meth:`start`
run. A failure nobody handles becomes an error dialog.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from .errors import show_error
from .jobs import Job, JobEvent, JobState

Callback = Callable[[Job], None]
ProgressCallback = Callable[[int, "int | None", str], None]


@dataclass
class Handlers:
    progress: ProgressCallback | None = None
    done: Callback | None = None
    failed: Callback | None = None
    cancelled: Callback | None = None
    finished: Callback | None = None  # after any of the three


class TaskCenter(QObject):
    posted = Signal(object)  # JobEvent, from any thread
    changed = Signal()  # a job started, progressed or ended (status bar)
    progressed = Signal(object, int, object, str)  # job, done, total, label

    def __init__(self, parent_widget: QWidget | None = None) -> None:
        super().__init__()
        self._parent_widget = parent_widget
        self._handlers: dict[int, Handlers] = {}
        self.running: dict[int, Job] = {}
        self.last_progress: dict[int, tuple[int, int | None, str]] = {}
        self.posted.connect(self._dispatch)

    def post(self, event: JobEvent) -> None:
        """Called by workers (any thread)."""
        self.posted.emit(event)

    def watch(self, job: Job, **handlers: Any) -> Job:
        """Register callbacks for ``job``; call before submitting it."""
        self._handlers[job.id] = Handlers(**handlers)
        return job

    def _dispatch(self, event: JobEvent) -> None:
        job = event.job
        handlers = self._handlers.get(job.id, Handlers())
        if event.kind == "progress":
            self.last_progress[job.id] = (event.done, event.total, event.label)
            if handlers.progress:
                handlers.progress(event.done, event.total, event.label)
            self.progressed.emit(job, event.done, event.total, event.label)
            return
        if event.kind in (JobState.QUEUED.value, JobState.RUNNING.value):
            self.running[job.id] = job
            self.changed.emit()
            return
        self.running.pop(job.id, None)
        self.last_progress.pop(job.id, None)
        self._handlers.pop(job.id, None)
        if event.kind == JobState.DONE.value and handlers.done:
            handlers.done(job)
        elif event.kind == JobState.CANCELLED.value and handlers.cancelled:
            handlers.cancelled(job)
        elif event.kind == JobState.FAILED.value:
            if handlers.failed:
                handlers.failed(job)
            elif job.error is not None:
                show_error(self._parent_widget, job.error, job.details)
        if handlers.finished:
            handlers.finished(job)
        self.changed.emit()

    def visible_jobs(self) -> list[Job]:
        """Jobs worth showing in the status bar (long tasks, not the instant writes)."""
        return [job for job in self.running.values() if not job.title.startswith("quick:")]


def run_in_thread(fn: Callable[[], Any], on_done: Callable[[Any], None],
                  on_error: Callable[[BaseException, str], None]) -> threading.Thread:
    """Run ``fn`` off the GUI thread (no vault yet: unlocking, creating); callbacks on the GUI thread."""
    import traceback

    relay = _Relay()
    _relays.add(relay)

    def done(result: Any) -> None:
        _relays.discard(relay)
        on_done(result)

    def failed(error: BaseException, details: str) -> None:
        _relays.discard(relay)
        on_error(error, details)

    relay.done.connect(done)
    relay.failed.connect(failed)

    def body() -> None:
        try:
            result = fn()
        except BaseException as exc:
            relay.failed.emit(exc, traceback.format_exc())
            return
        relay.done.emit(result)

    thread = threading.Thread(target=body, name="forensics-open", daemon=True)
    thread.start()
    return thread


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object, str)


_relays: set[_Relay] = set()  # alive until their answer is delivered
