"""Lock after an idle time: any key or mouse input counts as activity."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
            QEvent.Type.TouchBegin}


class IdleWatcher(QObject):
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.limit: float = 0.0  # seconds; 0 = never
        self.last_activity = time.monotonic()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._check)

    def set_limit(self, seconds: float) -> None:
        self.limit = max(float(seconds), 0.0)
        self.last_activity = time.monotonic()
        if self.limit:
            self._timer.start(int(min(max(self.limit / 4, 0.05), 15.0) * 1000))
        else:
            self._timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() in ACTIVITY:
            self.last_activity = time.monotonic()
        return False

    def _check(self) -> None:
        if self.limit and time.monotonic() - self.last_activity >= self.limit:
            self.last_activity = time.monotonic()
            self.idle.emit()
