"""The workstation check in the app: what ``forensics doctor`` finds, shown on the first start of each
build (and whenever something is missing), and from Help > Workstation check.

The checks run off the window's thread; a missing browser can be downloaded from here when
Playwright's server answers (``services.browser_setup``), otherwise the fix says what to install.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence_store import CancelToken

from ..services.doctor import Report, run_checks
from . import i18n, theme
from .errors import error_text
from .i18n import bind, tr
from .prefs import prefs_path

ICONS = {"ok": "ok", "warn": "warning", "fail": "warning"}
COLOURS = {"ok": "#1e7b34", "warn": "#9a6700", "fail": "#b3261e"}


# -- when to show it: once per build, and whenever something is missing --------------------------
def marker_path() -> Path:
    return prefs_path().parent / "doctor-seen.json"


def build_id(report: Report) -> str:
    return f"{report.tool.get('version')}+{report.tool.get('code_sha256')}"


def should_show(report: Report, marker: Path) -> bool:
    """First start of this build (version and code hash), or a capability missing."""
    try:
        seen = json.loads(marker.read_text("utf-8")).get("build")
    except (OSError, ValueError, AttributeError):
        seen = None
    return seen != build_id(report) or not report.ok


def remember(report: Report, marker: Path) -> None:
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps({"build": build_id(report)}), "utf-8")
    except OSError:
        pass  # a convenience: the check simply shows again next time


class _Relay(QObject):
    """Worker threads talk to the dialog through queued signals."""

    checked = Signal(object)
    failed = Signal(str)
    progress = Signal(int, object)
    installed = Signal(str)

    def send(self, signal: str, *args: Any) -> None:
        """Emit from a worker; nothing when the window went away meanwhile."""
        try:
            getattr(self, signal).emit(*args)
        except RuntimeError:  # the Qt object behind the relay was deleted
            pass


class DoctorDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, vault: Path | None = None, ntp_server: str | None = None,
                 browser_setting: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("doctorDialog")
        self.ntp_server = ntp_server  # None: the setting's default
        self.browser_setting = browser_setting  # the open vault's browser_path, if any
        bind(self, "setWindowTitle", "doctor.title")
        self.resize(920, 620)
        self.vault = vault
        self.report: Report | None = None
        self.note = ""  # shown under the table after a check (e.g. the browser just installed)
        self.cancel = CancelToken()  # of the browser download; closing the dialog stops it
        self.relay = _Relay(self)
        self.relay.checked.connect(self.show_report)
        self.relay.failed.connect(self._failed)
        self.relay.progress.connect(self._progress)
        self.relay.installed.connect(self._installed)
        layout = QVBoxLayout(self)
        intro = bind(QLabel(), "setText", "doctor.intro")
        intro.setWordWrap(True)
        theme.set_role(intro, "hint")
        layout.addWidget(intro)
        self.summary = QLabel()
        self.summary.setObjectName("doctorSummary")
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("doctorTable")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 3)
        self.fixes_label = bind(QLabel(), "setText", "doctor.fixes")
        theme.set_role(self.fixes_label, "heading")
        layout.addWidget(self.fixes_label)
        self.fixes = QPlainTextEdit()
        self.fixes.setObjectName("doctorFixes")
        self.fixes.setReadOnly(True)
        layout.addWidget(self.fixes, 2)
        self.busy = QProgressBar()
        self.busy.setObjectName("doctorProgress")
        self.busy.setRange(0, 0)
        self.busy.hide()
        layout.addWidget(self.busy)
        self.message = QLabel()
        self.message.setObjectName("doctorMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.download_button = QPushButton()
        self.download_button.setObjectName("doctorDownload")
        theme.set_role(self.download_button, "primary")
        self.download_button.clicked.connect(self.download_browser)
        self.download_button.hide()
        self.again_button = bind(QPushButton(), "setText", "doctor.again")
        self.again_button.setObjectName("doctorAgain")
        self.again_button.clicked.connect(self.start_check)
        self.copy_button = bind(QPushButton(), "setText", "doctor.copy")
        self.copy_button.clicked.connect(self.copy_results)
        close = bind(QPushButton(), "setText", "button.close")
        close.clicked.connect(self.close)
        for button in (self.download_button, self.again_button, self.copy_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        i18n.on_change(self._relabel)
        self._relabel()

    # -- checking ---------------------------------------------------------------------------
    def start_check(self) -> None:
        self._set_busy(True, tr("doctor.running"))

        def work() -> None:
            try:
                self.relay.send("checked", run_checks(self.vault, self.ntp_server, browser_setting=self.browser_setting))
            except Exception as exc:  # run_checks turns check failures into findings; this is a bug
                self.relay.send("failed", f"{type(exc).__name__}: {exc}")

        threading.Thread(target=work, name="doctor", daemon=True).start()

    def show_report(self, report: Report) -> None:
        self.report = report
        self._set_busy(False, self.note)
        self._relabel()

    def _failed(self, text: str) -> None:
        self._set_busy(False, text)
        theme.set_role(self.message, "error")

    def _set_busy(self, busy: bool, text: str) -> None:
        self.busy.setRange(0, 0)
        self.busy.setVisible(busy)
        self.again_button.setEnabled(not busy)
        self.download_button.setEnabled(not busy)
        self.message.setText(text)
        theme.set_role(self.message, "hint")

    def _relabel(self, _lang: str = "") -> None:
        lang = i18n.current()
        self.table.setHorizontalHeaderLabels([tr("doctor.col.status"), tr("doctor.col.component"),
                                              tr("doctor.col.found")])
        report = self.report
        if report is None:
            self.summary.setText(tr("doctor.running"))
            return
        counts = report.counts()
        self.summary.setText(tr("doctor.all.ok") if not report.problems() else tr("doctor.summary", **counts))
        theme.set_role(self.summary, "ok" if report.ok else "error")
        self.table.setRowCount(len(report.findings))
        for row, finding in enumerate(report.findings):
            status = QTableWidgetItem(theme.icon(ICONS[finding.status]), tr(f"doctor.status.{finding.status}"))
            status.setData(Qt.ItemDataRole.UserRole, finding.status)
            status.setForeground(QGuiApplication.palette().text() if finding.status == "ok" else _brush(finding.status))
            self.table.setItem(row, 0, status)
            self.table.setItem(row, 1, QTableWidgetItem(finding.component(lang)))
            found = QTableWidgetItem(finding.text(lang))
            found.setToolTip(finding.text(lang))
            self.table.setItem(row, 2, found)
        self.table.resizeRowsToContents()
        problems = report.problems()
        self.fixes.setPlainText("\n\n".join(f"• {f.component(lang)}: {f.fix_text(lang)}" for f in problems))
        self.fixes.setVisible(bool(problems))
        self.fixes_label.setVisible(bool(problems))
        offer = self.download_offer()
        if offer is not None:
            size = f"{offer['size'] / 1e6:.0f} MB" if offer.get("size") else "?"
            self.download_button.setText(tr("doctor.download", size=size))
        self.download_button.setVisible(offer is not None)

    def download_offer(self) -> dict[str, Any] | None:
        """The browser download on offer (no browser found and Playwright's server answered), or None."""
        if self.report is None:
            return None
        browser = next((f for f in self.report.findings if f.id == "browser"), None)
        offer = (browser.data.get("download") or {}) if browser is not None and not browser.data.get("found", True) else {}
        return offer if offer.get("available") else None

    # -- downloading a browser --------------------------------------------------------------
    def download_browser(self) -> None:
        from ..services.browser_setup import install_browser

        self._set_busy(True, tr("doctor.downloading"))
        self.cancel = cancel = CancelToken()

        def work() -> None:
            try:
                path, _downloaded = install_browser(
                    progress=lambda done, total, _label: self.relay.send("progress", done, total), cancel=cancel)
            except Exception as exc:  # a ForensicsError with the reason (offline, server refused, cancelled, …)
                self.relay.send("failed", error_text(exc))
                return
            self.relay.send("installed", path)

        threading.Thread(target=work, name="browser-download", daemon=True).start()

    def _progress(self, done: int, total: int | None) -> None:
        if total:
            self.busy.setRange(0, 1000)
            self.busy.setValue(int(done * 1000 / total))

    def _installed(self, path: str) -> None:
        self.note = tr("doctor.downloaded", path=path)
        self.start_check()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.cancel.cancel()
        super().closeEvent(event)

    def copy_results(self) -> None:
        if self.report is not None:
            QGuiApplication.clipboard().setText(self.report.as_text(i18n.current()))


def _brush(status: str) -> Any:
    from PySide6.QtGui import QBrush, QColor

    return QBrush(QColor(COLOURS[status]))


class FirstStartCheck(QObject):
    """Runs the check when the app starts; opens the dialog on a new build or when something is missing."""

    finished = Signal(object)  # Report

    def __init__(self, window: Any, ntp_server: str | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.ntp_server = ntp_server
        self.dialog: DoctorDialog | None = None
        self.shown = False
        self.action = bind(QAction(theme.icon("ok"), "", window), "setText", "action.doctor")
        self.action.setObjectName("actionDoctor")
        self.action.triggered.connect(lambda: self.open_dialog(None))
        menu = window.findChild(QMenu, "menu_menu_help")
        if menu is not None:
            about = getattr(window, "act_about", None)
            menu.insertAction(about, self.action) if about is not None else menu.addAction(self.action)
        self._relay = _Relay(self)
        self._relay.checked.connect(self._checked)

    def settings(self) -> tuple[str | None, str]:
        """The open vault's ``ntp_server`` and ``browser_path`` (what captures will use), else the defaults."""
        reader = getattr(getattr(self.window, "session", None), "reader", None)
        if reader is None:
            return self.ntp_server, ""
        from ..services import settings

        try:
            return str(settings.get(reader, "ntp_server")), str(settings.get(reader, "browser_path") or "")
        except Exception:  # a locked or closing vault: the defaults will do for a check
            return self.ntp_server, ""

    def start(self) -> None:
        ntp_server, browser = self.settings()
        vault = getattr(self.window, "vault_path", None)

        def work() -> None:
            try:
                report = run_checks(vault, ntp_server, browser_setting=browser)
            except Exception:  # never stop the app from starting over its check
                return
            self._relay.send("checked", report)

        threading.Thread(target=work, name="doctor-first-start", daemon=True).start()

    def _checked(self, report: Report) -> None:
        marker = marker_path()
        if should_show(report, marker):
            self.open_dialog(report)
            self.shown = True
        remember(report, marker)
        self.finished.emit(report)

    def open_dialog(self, report: Report | None) -> DoctorDialog:
        """Show the dialog with ``report``, or run the check afresh (Help menu) with the vault's settings."""
        if self.dialog is None:
            self.dialog = DoctorDialog(self.window)
        self.dialog.vault = getattr(self.window, "vault_path", None)
        self.dialog.ntp_server, self.dialog.browser_setting = self.settings()
        if report is None:
            self.dialog.start_check()
        else:
            self.dialog.show_report(report)
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog


def install_first_start_check(window: Any, ntp_server: str | None = None) -> FirstStartCheck:
    """Add Help > Workstation check to ``window`` and run the check now (the app calls this once)."""
    check = FirstStartCheck(window, ntp_server)
    window.doctor_check = check
    check.start()
    return check
