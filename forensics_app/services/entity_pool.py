"""The entity rules on another core while indexing: a forked process reads the text pieces, this one writes.

Indexing is two kinds of work: Python's regular expressions (the entity rules, most of the Python time, and they
hold the GIL) and SQLite's (FTS5 and SQLCipher's page encryption, in C without the GIL). In one process the
rules and the reading thread take turns on the GIL; with the rules in a child process both cores work.

Started as a disk extraction's readers are (:mod:`.helper_processes`: forked from the main thread, from a fork
server off it): the child needs only this module's functions, never touches the vault (it gets text, gives back
what the rules found, and leaves with ``os._exit`` as multiprocessing's children do), and nothing travels but the
pieces' text over a pipe (never a file). Where no helper may start (Windows, macOS, one core) the rules run in
the reading thread.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from evidence_store.tasks import CancelToken

from . import entity_rules
from .helper_processes import helper_context

#: what the rules found in one piece: (type, value, display, rule, snippet) of each entity
Found = list[tuple[str, str, str, str, str]]
MIN_ITEMS = 200  # fewer items to index: no process (its start costs more than it saves)


def available() -> bool:
    """Whether a rules process may start from this thread, and has a second core to run on."""
    return (os.cpu_count() or 1) > 1 and helper_context() is not None


def found_in(text: str) -> Found:
    """The rules' findings in one text, each with its snippet (in whichever process runs the rules)."""
    return [(f.type, f.value, f.display, f.rule, entity_rules.snippet(text, f.start, f.end))
            for f in entity_rules.find_entities(text)]


def found_in_each(texts: list[str]) -> list[Found]:
    return [found_in(text) for text in texts]


class EntityPool:
    """One rules process; :meth:`submit` a batch of texts, :meth:`result` waits for its findings."""

    def __init__(self) -> None:
        context = helper_context()
        if context is None:
            raise RuntimeError("no rules process may start from this thread here (see available)")
        self._pool = context.Pool(1)

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
