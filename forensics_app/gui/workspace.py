"""What an action dialog needs from the window: the session, the task centre, where to go next."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from .prefs import Prefs
    from .session import VaultSession
    from .tasks import TaskCenter


class Workspace(Protocol):
    tasks: TaskCenter
    zone: str
    prefs: Prefs

    def session_or_raise(self) -> VaultSession: ...

    def current_case_id(self) -> int | None: ...

    def evidence_changed(self) -> None: ...

    def go_to_item(self, item_id: int) -> None: ...

    def window_widget(self) -> QWidget: ...

    def keep_dialog(self, name: str, dialog: QWidget) -> None: ...

    def open_guide(self, topic: str = "start") -> QWidget: ...
