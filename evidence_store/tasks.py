"""Progress and cancellation, passed in by the shell (CLI, GUI, tests).

Domain code never knows whether it runs under rich, Qt or pytest: it calls the
progress callback it was given and checks the cancel token between chunks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .errors import Cancelled

Progress = Callable[[int, "int | None", str], None]
"""``progress(done, total, label)``: units done, the total if known, what is being worked on."""


def no_progress(done: int, total: int | None, label: str) -> None:
    """Default progress callback: report nothing."""


class CancelToken:
    """Set from any thread (a signal handler, a Cancel button); checked by workers."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled by the user; nothing was half-written")


NEVER_CANCELLED = CancelToken()
