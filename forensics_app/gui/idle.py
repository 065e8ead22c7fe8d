"""Lock after an idle time: any key or mouse input counts as activity.

Input is seen by an event filter on the whole application, which runs Python
for every event of every widget (and its first calls load binding types).
It goes in :data:`START_DELAY_MS` after unlocking, once the workspace has
painted: the first paint is not slowed by it, and the idle clock, which
counts minutes from the unlock, loses nothing.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

if TYPE_CHECKING:
    from PySide6.QtCore import QEvent

START_DELAY_MS = 1000


class IdleWatcher(QObject):
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.limit: float = 0.0  # seconds; 0 = never
        self.last_activity = time.monotonic()
        self.watching = False  # the event filter is in
        self._activity: frozenset[QEvent.Type] = frozenset()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._check)
        self._start = QTimer(self)
        self._start.setSingleShot(True)
        self._start.setInterval(START_DELAY_MS)
        self._start.timeout.connect(self._install)

    def set_limit(self, seconds: float) -> None:
        self.limit = max(float(seconds), 0.0)
        self.last_activity = time.monotonic()
        if self.limit:
            self._timer.start(int(min(max(self.limit / 4, 0.05), 15.0) * 1000))
        else:
            self._timer.stop()

    def watch(self, on: bool) -> None:
        """Watch the application's input (soon, see the module's note), or stop at once."""
        if on:
            if not self.watching and not self._start.isActive():
                self._start.start()
            return
        self._start.stop()
        app = QCoreApplication.instance()
        if self.watching and app is not None:
            app.removeEventFilter(self)
        self.watching = False

    def _install(self) -> None:
        app = QCoreApplication.instance()
        if app is None or self.watching:
            return
        if not self._activity:
            from PySide6.QtCore import QEvent  # its enum of ~180 event types is built on first use

            kinds = QEvent.Type
            self._activity = frozenset((kinds.KeyPress, kinds.MouseButtonPress, kinds.MouseMove, kinds.Wheel,
                                        kinds.TouchBegin))
        app.installEventFilter(self)
        self.watching = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() in self._activity:
            self.last_activity = time.monotonic()
        return False

    def _check(self) -> None:
        if self.limit and time.monotonic() - self.last_activity >= self.limit:
            self.last_activity = time.monotonic()
            self.idle.emit()
