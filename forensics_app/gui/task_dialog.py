"""The shape every action shares: a form, Start, a progress bar, a Cancel that works.

Subclasses build the form, turn it into a :class:`~forensics_app.gui.jobs.Job`
(the work is a service call) and show the result. The dialog is not modal:
the window stays usable, and closing the dialog while the task runs leaves it
running (the status bar shows it and can cancel it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from evidence_store import ForensicsError

from . import theme
from .errors import error_text, message_for, show_error
from .formatting import human_size
from .i18n import bind, tr
from .jobs import Job

if TYPE_CHECKING:
    from .workspace import Workspace


class TaskDialog(QDialog):
    succeeded = Signal(object)  # the job's result
    ended = Signal(str)  # "done", "failed" or "cancelled"

    title_key = "task.title"
    start_key = "button.start"
    help_topic = "start"  # the user guide's topic its Help button opens
    bytes_progress = True  # progress counts bytes (else items)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setObjectName(type(self).__name__)
        bind(self, "setWindowTitle", self.title_key)
        self.setMinimumWidth(560)
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        outer = QVBoxLayout(self)
        self.form = QWidget()
        self.form_layout = QVBoxLayout(self.form)
        self.form_layout.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.form)
        self.result_area = QWidget()
        self.result_layout = QVBoxLayout(self.result_area)
        self.result_layout.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.result_area, 1)
        self.message = QLabel()
        self.message.setObjectName("taskMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.message)
        self.progress = QProgressBar()
        self.progress.setObjectName("taskProgress")
        self.progress.setTextVisible(True)
        self.progress.hide()
        outer.addWidget(self.progress)
        self.status = QLabel()
        self.status.setObjectName("taskStatus")
        theme.set_role(self.status, "hint")
        outer.addWidget(self.status)
        buttons = QHBoxLayout()
        self.help_button = bind(QPushButton(), "setText", "button.help")
        self.help_button.setObjectName("helpButton")
        self.help_button.clicked.connect(lambda: self.workspace.open_guide(self.help_topic))
        buttons.addWidget(self.help_button)
        buttons.addStretch(1)
        self.start_button = bind(QPushButton(), "setText", self.start_key)
        self.start_button.setObjectName("startButton")
        theme.set_role(self.start_button, "primary")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = bind(QPushButton(), "setText", "button.cancel.task")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        self.close_button = bind(QPushButton(), "setText", "button.close")
        self.close_button.setObjectName("closeButton")
        self.close_button.clicked.connect(self.close)
        for button in (self.start_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        outer.addLayout(buttons)
        self.job: Job | None = None
        self.state = "ready"

    # -- for subclasses -------------------------------------------------------------
    def make_job(self) -> Job | None:
        """Validate the form and return the job, or show a message and return None."""
        raise NotImplementedError

    def show_result(self, result: Any) -> None:
        """Show what the job produced (default: nothing)."""

    def show_problem(self, text: str) -> None:
        self.message.setText(text)
        theme.set_role(self.message, "error")
        self.fit_contents()

    def fit_contents(self) -> None:
        """Grow to show what the run added (a wrapped message, a result list): a dialog keeps the height it opened
        with, and wrapped labels squeezed into it overlap the controls above them."""
        QTimer.singleShot(0, self._fit_now)

    def _fit_now(self) -> None:
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        width = self.width()
        needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else layout.totalSizeHint().height()
        needed = max(needed, layout.totalMinimumSize().height())
        screen = self.screen().availableGeometry().height() - 60 if self.screen() is not None else needed
        if self.height() < needed:
            self.resize(width, min(needed, screen))

    # -- running --------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.state == "running"

    def start(self) -> None:
        if self.running:
            return
        self.message.clear()
        try:
            job = self.make_job()
        except ForensicsError as exc:
            self.show_problem(error_text(exc))
            return
        if job is None:
            return
        self.job = job
        self.workspace.tasks.watch(job, progress=self._progress, done=self._done, failed=self._failed,
                                   cancelled=self._cancelled)
        try:
            self.workspace.session_or_raise().run_task(job)
        except ForensicsError as exc:
            self.show_problem(error_text(exc))
            return
        self.state = "running"
        self.form.setEnabled(False)
        self.start_button.hide()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.progress.show()
        self.progress.setRange(0, 0)
        busy = self.workspace.session_or_raise().tasks.current
        self.status.setText(tr("task.waiting") if busy is not None and busy is not job else tr("task.starting"))

    def cancel(self) -> None:
        if self.job is not None and self.running:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText(tr("task.cancelling"))

    def _progress(self, done: int, total: int | None, label: str) -> None:
        if total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * min(done, total) / total))
            amount = (f"{human_size(done)} / {human_size(total)}" if self.bytes_progress
                      else f"{done:,} / {total:,}")
        else:
            self.progress.setRange(0, 0)
            amount = human_size(done) if self.bytes_progress and done else (f"{done:,}" if done else "")
        self.status.setText(f"{amount}  {label[-90:]}".strip())

    def _finish(self, state: str) -> None:
        self.state = state
        self.cancel_button.hide()
        self.start_button.show()
        self.form.setEnabled(True)
        self.progress.hide() if state != "done" else self._full()
        self.workspace.evidence_changed()
        self.ended.emit(state)

    def _full(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(1)

    def _done(self, job: Job) -> None:
        self.status.setText(tr("task.done"))
        theme.set_role(self.status, "hint")
        theme.set_role(self.message, "ok")
        self._finish("done")
        self.show_result(job.result)
        self.fit_contents()
        self.succeeded.emit(job.result)

    def _failed(self, job: Job) -> None:
        self.status.clear()
        self._finish("failed")
        assert job.error is not None
        title, text = message_for(job.error, job.details)
        self.show_problem(f"{title}: {text}")
        if self.isHidden():
            show_error(self.workspace.window_widget(), job.error, job.details)

    def _cancelled(self, job: Job) -> None:
        self.status.setText(tr("task.cancelled.clean"))
        self._finish("cancelled")
        self.fit_contents()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.fit_contents()  # wrapped labels' height is known only once the dialog has its width

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        # Closing only hides the dialog: a running task goes on, shown in the status bar.
        event.accept()
