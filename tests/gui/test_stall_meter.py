"""The stall meter of the responsiveness tests counts a blocked or busy event loop, not the machine's load."""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtCore import QTimer

from tests.gui.stall import StallMeter


def _measure(qtbot: Any, block: Any) -> StallMeter:
    meter = StallMeter()
    meter.start()
    qtbot.wait(50)
    QTimer.singleShot(0, block)
    qtbot.wait(400)
    meter.stop()
    return meter


def test_busy_event_loop_counts_as_ours(qtbot: Any) -> None:
    def busy() -> None:
        began = time.thread_time()
        while time.thread_time() - began < 0.3:  # 300 ms of our own work, however busy the machine
            pass

    meter = _measure(qtbot, busy)
    assert meter.own_longest >= 0.25, meter.describe()


def test_event_loop_waiting_on_a_lock_counts_as_ours(qtbot: Any) -> None:
    lock = threading.Lock()

    def hold() -> None:
        with lock:
            time.sleep(0.3)

    def wait_for_lock() -> None:
        holder = threading.Thread(target=hold)
        holder.start()
        while not lock.locked():
            time.sleep(0.001)
        with lock:  # the window waits on a worker's lock, as a query behind a writer would
            pass
        holder.join()

    meter = _measure(qtbot, wait_for_lock)
    assert meter.own_longest >= 0.25, meter.describe()


def test_idle_event_loop_has_no_stall_of_ours(qtbot: Any) -> None:
    meter = StallMeter()
    meter.start()
    qtbot.wait(500)
    meter.stop()
    assert meter.ticks > 10
    assert meter.own_longest < 0.1, meter.describe()


def test_a_loop_blocked_until_the_end_counts(qtbot: Any) -> None:
    meter = StallMeter()
    meter.start()
    began = time.thread_time()
    while time.thread_time() - began < 0.3:  # the timer never gets a turn before stop()
        pass
    meter.stop()
    assert meter.own_longest >= 0.25, meter.describe()
