"""How helper processes start (a disk extraction's readers, the entity rules, the e-mail parsers): one way for all.

From the main thread (the command line) by fork: the child inherits what it needs in memory (the vault's blob
keys), nothing is pickled. From any other thread (the desktop app's workers) through a fork server: a forked
copy of a process whose other threads (Qt's, a capture's TLS) may hold locks can wait on one of them for ever,
so the children come from a fresh single-threaded process started once, which has imported the helpers'
modules, and each child's work (with the blob keys, for a reader) travels to it through a pipe, memory to memory,
never a file. In the bundle the fork server is the bundle's own program, started again
(``multiprocessing.freeze_support`` in its entry script hands it over); ``forensics doctor`` starts one helper
from a worker thread to show that this works on the machine (:func:`start_one_from_a_worker_thread`).
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from typing import Any

from evidence_store.errors import one_line

_SERVER_PRELOAD = ["forensics_app.services.disk_pipeline", "forensics_app.services.entity_pool",
                   "forensics_app.services.message_pipeline"]


def helper_context() -> Any | None:
    """The multiprocessing context to start helpers with from this thread, or None where none may start (a
    platform without fork)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    if threading.current_thread() is threading.main_thread():
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_SERVER_PRELOAD)
    return context


def start_one_from_a_worker_thread(timeout: float = 60.0) -> str | None:
    """Start one helper from a thread other than the main one, as the desktop app's workers do, and wait for its
    answer: None when it answered, else what went wrong, in one line."""
    problems: list[str | None] = []

    def attempt() -> None:
        try:
            context = helper_context()
            if context is None:
                problems.append("this platform cannot fork")
                return
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_answer, args=(send,), name="helper-check", daemon=True)
            try:
                process.start()
            except EOFError:  # the server's end of the socket closed: it never ran (or stopped)
                problems.append("the fork server stopped before it could start a helper process")
                return
            send.close()
            try:
                answer = receive.recv() if receive.poll(timeout) else None
            except EOFError:  # it stopped without a word
                answer = None
            process.join(10)
            if process.exitcode is None:
                process.terminate()
                problems.append(f"the helper process did not answer within {timeout:.0f} s")
            else:
                problems.append(None if answer == _READY else
                                f"the helper process stopped without answering (exit code {process.exitcode})")
        except Exception as exc:  # reported in words by the doctor
            problems.append(f"{type(exc).__name__}: {one_line(exc, last=True)}")

    thread = threading.Thread(target=attempt, name="helper-check", daemon=True)
    thread.start()
    thread.join(timeout + 15)
    return problems[0] if problems else f"the check did not finish within {timeout + 15:.0f} s"


_READY = "ready"


def _answer(conn: Any) -> None:
    """In the helper: the modules the helpers run are there (the fork server imported them), then answer."""
    for name in _SERVER_PRELOAD:
        if name not in sys.modules:
            __import__(name)
    conn.send(_READY)
    conn.close()
