"""How helper processes start (a disk extraction's readers, the entity rules, the e-mail parsers): one way for all.

From the main thread (the command line) by fork: the child inherits what it needs in memory (the vault's blob
keys), nothing is pickled. From any other thread (the desktop app's workers) through a fork server: a forked
copy of a process whose other threads (Qt's, a capture's TLS) may hold locks can wait on one of them for ever,
so the children come from a fresh single-threaded process started once, which has imported the helpers'
modules, and each child's work (with the blob keys, for a reader) travels to it through a pipe, memory to memory,
never a file. A frozen build (the bundle) keeps its helpers to the main thread: starting a fork server there goes
through PyInstaller's support for it, which nothing here has tested yet.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from typing import Any

_SERVER_PRELOAD = ["forensics_app.services.disk_pipeline", "forensics_app.services.entity_pool",
                   "forensics_app.services.message_pipeline"]


def helper_context() -> Any | None:
    """The multiprocessing context to start helpers with from this thread, or None where none may start (no
    fork on this platform; a frozen build off the main thread)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    if threading.current_thread() is threading.main_thread():
        return multiprocessing.get_context("fork")
    if getattr(sys, "frozen", False):
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_SERVER_PRELOAD)
    return context
