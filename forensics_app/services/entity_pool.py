"""The entity rules on another core while indexing: a forked process reads the text pieces, this one writes.

Indexing is two kinds of work: Python's regular expressions (the entity rules, most of the Python time, and they
hold the GIL) and SQLite's (FTS5 and SQLCipher's page encryption, in C without the GIL). In one process the
rules and the reading thread take turns on the GIL; with the rules in a child process both cores work.

Forked, as the mail parsers are (:mod:`.message_pipeline`): the child needs only this module's functions, never
touches the vault (it gets text, gives back what the rules found, and leaves with ``os._exit`` as
multiprocessing's children do), and nothing travels but the pieces' text over a pipe (never a file). Only from
the main thread, where fork is the platform's way: a fork beside other threads could copy a lock another one
holds. Elsewhere (the app's worker thread, Windows, macOS) the rules run in the reading thread.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from typing import Any

from evidence_store.tasks import CancelToken

from . import entity_rules

#: what the rules found in one piece: (type, value, display, rule, snippet) of each entity
Found = list[tuple[str, str, str, str, str]]
MIN_ITEMS = 200  # fewer items to index: no process (its start costs more than it saves)


def available() -> bool:
    """Whether a rules process may be forked here: the main thread, a platform that forks, a second core."""
    return (threading.current_thread() is threading.main_thread()
            and "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1)


def found_in(text: str) -> Found:
    """The rules' findings in one text, each with its snippet (in whichever process runs the rules)."""
    return [(f.type, f.value, f.display, f.rule, entity_rules.snippet(text, f.start, f.end))
            for f in entity_rules.find_entities(text)]


def found_in_each(texts: list[str]) -> list[Found]:
    return [found_in(text) for text in texts]


class EntityPool:
    """One forked rules process; :meth:`submit` a batch of texts, :meth:`result` waits for its findings."""

    def __init__(self) -> None:
        self._pool = multiprocessing.get_context("fork").Pool(1)

    def submit(self, texts: list[str]) -> Any:
        return self._pool.apply_async(found_in_each, (texts,))

    @staticmethod
    def result(pending: Any, cancel: CancelToken) -> list[Found]:
        """The findings of a submitted batch; a cancel is seen while waiting."""
        while True:
            cancel.check()
            try:
                found: list[Found] = pending.get(0.2)
                return found
            except multiprocessing.TimeoutError:
                continue

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()
