"""How long the window's event loop was blocked, and how much of that was ours.

A 10 ms timer ticks in the event loop; the gap between two ticks is a stall. On a shared, busy machine a
gap also contains time when our threads were ready to run but the kernel ran someone else's (their
run-queue delay, read from ``/proc/self/task/*/schedstat``). ``own_longest`` is the longest gap minus
our threads' run-queue delay during it: the part of a stall that our own work, locks, I/O or the GIL
caused. A blocked or busy event loop on an idle machine counts whole, so the bound keeps its teeth;
where the kernel keeps no schedstat the whole gap counts.
"""

from __future__ import annotations

import time
from pathlib import Path

TASKS = Path("/proc/self/task")


def run_queue_delay() -> float | None:
    """Seconds all our threads have spent ready but not running, or None where the kernel does not say."""
    total = 0
    try:
        for task in TASKS.iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue  # the thread ended meanwhile
    except OSError:
        return None
    return total / 1e9


class StallMeter:
    """The longest gap between ticks of a 10 ms timer, whole (``longest``) and our part (``own_longest``)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.longest = 0.0
        self.own_longest = 0.0
        self.ticks = 0
        self._last = time.monotonic()
        self._last_delay = run_queue_delay()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.monotonic()
        delay = run_queue_delay()
        gap = now - self._last
        waited = 0.0 if delay is None or self._last_delay is None else delay - self._last_delay
        self.longest = max(self.longest, gap)
        self.own_longest = max(self.own_longest, gap - min(gap, max(waited, 0.0)))
        self._last, self._last_delay = now, delay
        self.ticks += 1

    def start(self) -> None:
        self._last = time.monotonic()
        self._last_delay = run_queue_delay()
        self.timer.start()

    def stop(self) -> None:
        """The time since the last tick counts too: a loop blocked to the end, or a timer that never ran, shows."""
        self._tick()
        self.timer.stop()

    def describe(self) -> str:
        return f"{self.own_longest * 1000:.0f} ms ours ({self.longest * 1000:.0f} ms with the machine's waiting)"
