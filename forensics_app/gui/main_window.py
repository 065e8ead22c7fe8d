"""The investigator's workstation: start screens, then cases | evidence | preview.

The window wires views to the session and starts jobs; it holds no logic a test
needs beyond that (queries live in ``services.browse``, work in the services).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QToolButton,
    QWidget,
)

from evidence_store import ForensicsError, NotAVaultError, Vault, VaultError

from ..services import settings as settings_service
from . import i18n, theme
from .case_panel import CasePanel
from .custody_view import CustodyView
from .deferred import LaterTabs
from .errors import ask, show_error
from .evidence_view import EvidenceView
from .formatting import DEFAULT_ZONE
from .i18n import bind, tr, tr_in
from .idle import IdleWatcher
from .jobs import Job
from .prefs import Prefs
from .preview import PreviewPane
from .session import VaultSession
from .start import UnlockPage
from .tasks import TaskCenter, run_in_thread
from .window_actions import WindowActions

if TYPE_CHECKING:  # types loaded when first used (Qt builds a class's enums when the class is first touched)
    from PySide6.QtGui import QCloseEvent
    from PySide6.QtWidgets import QDialog

    from .analysis_view import AnalysisViews
    from .monitor_view import MonitoringView
    from .welcome import CreateVaultDialog, WelcomePage


class MainWindow(WindowActions, QMainWindow):
    def __init__(self, prefs: Prefs | None = None) -> None:
        super().__init__()
        from . import qt_language

        qt_language.follow()  # Qt's own dialogs and buttons in the interface's language
        self.setObjectName("mainWindow")
        self.prefs = prefs or Prefs()
        self.session: VaultSession | None = None
        self.tasks = TaskCenter(self)
        self.tasks.changed.connect(self._update_status)
        self.tasks.progressed.connect(lambda *_a: self._update_status())
        self.zone = DEFAULT_ZONE
        self.vault_path: Path | None = None
        self._viewed: set[int] = set()
        self._dialogs: dict[str, QDialog] = {}
        self._closing = False
        self.resize(1440, 880)
        bind(self, "setWindowTitle", "app.title")

        self.idle = IdleWatcher(self)  # watches input only while a vault is unlocked
        self.idle.idle.connect(self._idle_lock)

        self.stack = QStackedWidget()
        self._welcome: WelcomePage | None = None  # built when first shown: start-up stays fast
        self.unlock_page = UnlockPage()
        self.unlock_page.unlock_requested.connect(self._unlock)
        self.unlock_page.other_requested.connect(self._other_vault)
        self.stack.addWidget(self.unlock_page)
        self.workspace = self._build_workspace()
        self.stack.addWidget(self.workspace)
        self.setCentralWidget(self.stack)
        self._build_status_bar()
        self._build_actions()
        self._update_actions()
        self._update_status()

    # == building ====================================================================
    @property
    def welcome(self) -> WelcomePage:
        if self._welcome is None:
            from .welcome import WelcomePage

            page = WelcomePage(self.prefs.recent_vaults)
            page.create_requested.connect(self.create_vault)
            page.open_requested.connect(self.choose_vault)
            page.language_chosen.connect(self.set_language)
            self.stack.addWidget(page)
            self._welcome = page
        return self._welcome

    def _watch_idle(self, on: bool) -> None:
        self.idle.watch(on)

    def _build_workspace(self) -> QWidget:
        self.cases = CasePanel()
        self.cases.case_selected.connect(self._case_selected)
        self.cases.new_requested.connect(self.new_case)
        self.cases.edit_requested.connect(self.edit_case)
        self.cases.close_requested.connect(self.toggle_case)
        self.evidence = EvidenceView()
        self.evidence.item_selected.connect(self._item_selected)
        self.custody = CustodyView()
        self.custody.item_requested.connect(self.go_to_item)
        self.custody.checkpoint_requested.connect(self.checkpoint)
        self.center_tabs = QTabWidget()
        self.center_tabs.setObjectName("centerTabs")
        self.center_tabs.addTab(self.evidence, theme.icon("item"), "")
        self.center_tabs.addTab(self.custody, theme.icon("provenance"), "")
        self.preview = PreviewPane()
        self.preview.viewed.connect(self._record_view)
        self.preview.navigate.connect(self.go_to_item)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("workspace")
        splitter.addWidget(self.cases)
        splitter.addWidget(self.center_tabs)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([250, 760, 430])
        splitter.setContentsMargins(6, 6, 6, 0)
        i18n.on_change(self._relabel_tabs)
        self._relabel_tabs()
        self.later_tabs = LaterTabs(self)  # search, timeline (issue 17) and monitoring (issue 15): built when needed
        return splitter

    @property
    def analysis_views(self) -> AnalysisViews:
        return self.later_tabs.analysis

    @property
    def monitoring(self) -> MonitoringView:
        return self.later_tabs.monitoring

    def _relabel_tabs(self, _lang: str = "") -> None:
        self.center_tabs.setTabText(0, tr("tab.evidence"))
        self.center_tabs.setTabText(1, tr("tab.custody"))

    def _action(self, key: str, slot: Callable[[], Any], shortcut: str | QKeySequence.StandardKey | None = None,
                icon: str | None = None, needs: str = "vault") -> QAction:
        action = QAction(self)
        action.setObjectName(key.replace(".", "_"))
        bind(action, "setText", key)
        bind(action, "setToolTip", key + ".tip") if i18n.has(key + ".tip") else None
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if icon:
            action.setIcon(theme.icon(icon))
        action.triggered.connect(lambda _checked=False: slot())
        action.setProperty("needs", needs)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.act_lock = a("action.lock", self.lock, "Ctrl+L", "lock")
        self.act_verify = a("action.verify", lambda: self.open_task("verify"), "Ctrl+Shift+V", "ok")
        self.act_checkpoint = a("action.checkpoint", self.checkpoint, "Ctrl+K", "provenance")
        self.act_examiners = a("action.examiners", lambda: self.open_dialog("examiners"))
        self.act_slots = a("action.slots", lambda: self.open_dialog("slots"))
        self.act_settings = a("action.settings", lambda: self.open_dialog("settings"), "Ctrl+,")
        self.act_quit = a("action.quit", self.close, QKeySequence.StandardKey.Quit, needs="")
        self.act_new_case = a("action.new.case", self.new_case, "Ctrl+N", "case")
        self.act_edit_case = a("action.edit.case", self.edit_case, needs="case")
        self.act_close_case = a("action.close.case", self.toggle_case, needs="case")
        self.act_web = a("action.web", lambda: self.open_task("web"), "Ctrl+U", "web", needs="open_case")
        self.act_files = a("action.files", lambda: self.open_task("files"), "Ctrl+I", "folder", needs="open_case")
        self.act_disk = a("action.disk", lambda: self.open_task("disk"), "Ctrl+D", "disk", needs="open_case")
        self.act_browse_disk = a("action.browse.disk", self.browse_disk_image, "Ctrl+B", "disk", needs="disk_item")
        self.act_export_items = a("action.export.items", self.export_items, "Ctrl+E", "download", needs="item")
        self.act_report = a("action.report", lambda: self.open_task("report"), "Ctrl+R", "report", needs="case")
        self.act_package = a("action.package", lambda: self.open_task("package"), "Ctrl+Shift+E", "archive",
                             needs="case")
        self.act_search = a("action.search", self.evidence.focus_search, QKeySequence.StandardKey.Find,
                            needs="case")
        self.act_refresh = a("action.refresh", self.evidence_changed, QKeySequence.StandardKey.Refresh)
        self.act_guide = a("action.guide", lambda: self.open_guide(), QKeySequence.StandardKey.HelpContents, needs="")
        self.act_about = a("action.about", lambda: self.open_dialog("about"), needs="")
        self.act_check_package = a("action.check.package", lambda: self.open_dialog("check_package"), needs="")
        self.act_trust_export = a("action.trust.export", self.export_trust)

        menus = self.menuBar()
        self._menus: list[tuple[Any, str]] = []

        def menu(key: str, actions: list[QAction | None]) -> None:
            m = menus.addMenu("")
            m.setObjectName("menu_" + key.replace(".", "_"))
            self._menus.append((m, key))
            for action in actions:
                m.addSeparator() if action is None else m.addAction(action)

        menu("menu.vault", [self.act_lock, self.act_verify, self.act_checkpoint, None, self.act_examiners,
                            self.act_slots, self.act_settings, None, self.act_quit])
        menu("menu.case", [self.act_new_case, self.act_edit_case, self.act_close_case, None, self.act_search,
                           self.act_refresh])
        menu("menu.acquire", [self.act_web, self.act_files, self.act_disk, self.act_browse_disk, None,
                              self.act_export_items])
        menu("menu.reports", [self.act_report, self.act_package, None, self.act_check_package, self.act_trust_export])
        menu("menu.help", [self.act_guide, None, self.act_about])
        i18n.on_change(self._relabel_menus)
        self._relabel_menus()

        self.toolbar = QToolBar()
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.act_new_case, None, self.act_web, self.act_files, self.act_disk, None, self.act_report,
                       self.act_package, None, self.act_verify, self.act_lock):
            self.toolbar.addSeparator() if action is None else self.toolbar.addAction(action)
        self.addToolBar(self.toolbar)

    def _relabel_menus(self, _lang: str = "") -> None:
        for m, key in self._menus:
            m.setTitle(tr(key))
        self._update_actions()
        self._update_status()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.state_label = QLabel()
        self.state_label.setObjectName("vaultState")
        self.path_label = QLabel()
        self.path_label.setObjectName("vaultPath")
        self.examiner_label = QLabel()
        self.examiner_label.setObjectName("examinerLabel")
        self.job_label = QLabel()
        self.job_label.setObjectName("jobLabel")
        self.job_bar = QProgressBar()
        self.job_bar.setObjectName("jobBar")
        self.job_bar.setMaximumWidth(160)
        self.job_bar.setMaximumHeight(14)
        self.job_bar.setTextVisible(False)
        self.job_cancel = QToolButton()
        self.job_cancel.setObjectName("jobCancel")
        bind(self.job_cancel, "setText", "button.cancel.task")
        self.job_cancel.clicked.connect(self.cancel_tasks)
        bar.addWidget(self.state_label)
        bar.addWidget(self.path_label, 1)
        bar.addPermanentWidget(self.job_label)
        bar.addPermanentWidget(self.job_bar)
        bar.addPermanentWidget(self.job_cancel)
        bar.addPermanentWidget(self.examiner_label)

    # == state shown ================================================================
    def _update_actions(self) -> None:
        unlocked = self.session is not None and not self.session.locked
        case_id = self.current_case_id() if unlocked else None
        status = self.cases.current_status() if unlocked else None
        has_item = unlocked and self.evidence.current_item_id() is not None
        detail = self.preview.detail
        disk_item = has_item and detail is not None and detail.item.kind == "disk_image"
        for action in self.actions():
            needs = action.property("needs")
            if needs is None:
                continue
            ok = {"": True, "vault": unlocked, "case": case_id is not None,
                  "open_case": case_id is not None and status == "open", "item": has_item,
                  "disk_item": disk_item and status == "open"}.get(needs, unlocked)
            action.setEnabled(bool(ok))
        if hasattr(self, "toolbar"):
            self.toolbar.setVisible(unlocked)  # the start screens stay uncluttered
        if unlocked:
            self.act_close_case.setText(tr("action.reopen.case" if status == "closed" else "action.close.case"))

    def _update_status(self) -> None:
        if self.session is None:
            self.state_label.setText(tr("status.no.vault"))
            self.path_label.clear()
            self.examiner_label.clear()
        else:
            self.state_label.setText(tr("status.locked" if self.session.locked else "status.unlocked"))
            self.path_label.setText(str(self.session.path))
            self.examiner_label.setText(tr("status.examiner.token", name=self.session.examiner,
                                           token=self.session.token_name) if self.session.token_name
                                        else tr("status.examiner", name=self.session.examiner))
        jobs = self.tasks.visible_jobs()
        if not jobs:
            self.job_label.clear()
            for widget in (self.job_bar, self.job_cancel):
                widget.hide()
            return
        job = jobs[0]
        more = tr("status.more.jobs", count=len(jobs) - 1) if len(jobs) > 1 else ""
        self.job_label.setText(f"{job.title}{more}")
        done, total, _label = self.tasks.last_progress.get(job.id, (0, None, ""))
        if total:
            self.job_bar.setRange(0, 1000)
            self.job_bar.setValue(int(1000 * min(done, total) / total))
        else:
            self.job_bar.setRange(0, 0)
        self.job_bar.show()
        self.job_cancel.show()

    # == opening, creating, locking ===================================================
    def show_start(self, path: Path | None = None) -> None:
        """The first screen: the unlock page for ``path`` (or the last vault), else the welcome page."""
        if path is None and self.prefs.recent_vaults:
            last = Path(self.prefs.recent_vaults[0])
            path = last if (last / "vault.json").is_file() else None
        if path is not None and (path / "vault.json").is_file():
            self.choose_vault(path)
        else:
            self.stack.setCurrentWidget(self.welcome)

    def choose_vault(self, path: Path) -> None:
        if not (Path(path) / "vault.json").is_file():
            show_error(self, NotAVaultError(tr_in("en", "error.not.vault", path=str(path)),
                                            message_vi=tr_in("vi", "error.not.vault", path=str(path))))
            return
        if self.session is not None:
            self.close_session()
        self.vault_path = Path(path)
        self.unlock_page.prepare(self.vault_path)
        self.stack.setCurrentWidget(self.unlock_page)

    def _other_vault(self) -> None:
        if self.session is not None and self.session.busy:
            show_error(self, VaultError(tr_in("en", "lock.busy.switch"), message_vi=tr_in("vi", "lock.busy.switch")))
            return
        self.close_session()
        self.welcome.set_recent(self.prefs.recent_vaults)
        self.stack.setCurrentWidget(self.welcome)

    def create_vault(self) -> None:
        from .welcome import CreateVaultDialog

        default = None
        if self.prefs.recent_vaults:
            default = Path(self.prefs.recent_vaults[0]).parent / "evidence-vault-new"
        dialog = CreateVaultDialog(self, default)
        self._dialogs["create"] = dialog
        dialog.accepted.connect(lambda: self._create(dialog))
        dialog.open()

    def _create(self, dialog: CreateVaultDialog) -> None:
        values = dialog.result_value
        if values is None:
            return
        self.vault_path = values.path
        self.unlock_page.prepare(values.path)
        self.unlock_page.set_busy(True)
        self.stack.setCurrentWidget(self.unlock_page)
        post = self.tasks.post
        run_in_thread(lambda: VaultSession.create(values.path, values.passphrase, values.examiner, post,
                                                  position=values.position, agency=values.agency, unit=values.unit,
                                                  parent_agency=values.parent_agency, place=values.place),
                      self._opened, self._open_failed)

    def _unlock(self, passphrase: str, pin: str = "") -> None:
        if self.session is not None and self.session.locked:
            session = self.session
            def reopen() -> VaultSession:
                session.unlock(passphrase, pin or None)
                return session

            run_in_thread(reopen, self._opened, self._open_failed)
            return
        path, post = self.vault_path, self.tasks.post
        assert path is not None
        run_in_thread(lambda: VaultSession.open(path, passphrase, post, token_pin=pin or None), self._opened,
                      self._open_failed)

    def _open_failed(self, error: BaseException, details: str) -> None:
        from evidence_store import TokenError

        from ..services.vaults import TokenPinRequired
        from .errors import message_for

        if self.stack.currentWidget() is not self.unlock_page:
            show_error(self, error, details)
            return
        if isinstance(error, TokenPinRequired):  # the passphrase is right and names a token examiner
            self.unlock_page.ask_pin(error.examiner, error.token)
            return
        self.unlock_page.show_error(message_for(error, details)[1], pin=isinstance(error, TokenError))

    def _opened(self, session: VaultSession) -> None:
        self.session = session
        self.vault_path = session.path
        self.prefs.remember_vault(session.path)
        self._viewed.clear()
        self._watch_idle(True)
        self.settings_changed()
        self.stack.setCurrentWidget(self.workspace)
        self.cases.model.load(session.reader)
        self.cases.select_case(None)
        self.later_tabs.vault_opened(session)  # alerts are noticed from the start, on any tab
        self._update_actions()
        self._update_status()

    def settings_changed(self) -> None:
        """Re-read the settings the window uses (zone, idle time) and redraw times."""
        if self.session is None or self.session.locked:
            return
        values = settings_service.all_settings(self.session.reader)
        self.zone = str(values.get("timezone") or DEFAULT_ZONE)
        try:
            minutes = float(values.get("idle_lock_minutes") or 0)
        except (TypeError, ValueError):
            minutes = 0.0
        self.idle.set_limit(minutes * 60)
        item_id = self.evidence.current_item_id()
        tab = self.preview.tabs.currentIndex()
        self._case_selected(self.current_case_id())  # times are redrawn in the (new) zone …
        if item_id is not None and self.evidence.select_item(item_id):  # … and the selection stays
            self.preview.tabs.setCurrentIndex(tab)
        self._update_status()

    def lock(self) -> None:
        """Hide everything and close the reader; running tasks finish, then close their connections."""
        if self.session is None or self.session.locked:
            return
        self.session.lock()
        self._watch_idle(False)
        self._viewed.clear()
        for dialog in list(self._dialogs.values()):
            dialog.hide() if getattr(dialog, "running", False) else dialog.close()  # work goes on, unseen
        self.cases.model.load(None)
        self.later_tabs.vault_closed()
        self.evidence.show_case(None, None, self.zone)
        self.custody.show_case(None, None, self.zone)
        self.preview.clear()
        self.unlock_page.prepare(self.session.path, locked=True, examiner=self.session.examiner,
                                 token=self.session.token_name)
        self.stack.setCurrentWidget(self.unlock_page)
        self._update_actions()
        self._update_status()

    def _idle_lock(self) -> None:
        if self.session is not None and not self.session.locked:
            self.lock()

    def close_session(self) -> None:
        self._watch_idle(False)
        self.later_tabs.vault_closed()
        if self.session is not None:
            self.session.close(timeout=30)
            self.session = None
        self._update_actions()
        self._update_status()

    def set_language(self, lang: str) -> None:
        i18n.set_language(lang)
        self.prefs.language = lang
        self.prefs.save()

    # == the workspace ===============================================================
    def session_or_raise(self) -> VaultSession:
        if self.session is None or self.session.locked:
            raise VaultError(tr_in("en", "error.locked"), message_vi=tr_in("vi", "error.locked"))
        return self.session

    def window_widget(self) -> QWidget:
        return self

    def current_case_id(self) -> int | None:
        return self.cases.current_case_id()

    def selected_item_ids(self) -> list[int]:
        return self.evidence.selected_item_ids()

    def _reader(self) -> Vault | None:
        return self.session.reader if self.session is not None and not self.session.locked else None

    def _case_selected(self, case_id: int | None) -> None:
        reader = self._reader()
        self.evidence.show_case(reader, case_id, self.zone)
        self.custody.show_case(reader, case_id, self.zone)
        self.preview.zone = self.zone
        self.preview.clear()
        self._update_actions()

    def _item_selected(self, item_id: int | None) -> None:
        reader = self._reader()
        if reader is None:
            return
        self.preview.show_item(reader, item_id)
        self._update_actions()

    def _record_view(self, item_id: int) -> None:
        """Log the viewing once per item and session (the custody log records who looked at what)."""
        if item_id in self._viewed or self.session is None or self.session.locked:
            return
        self._viewed.add(item_id)

        def work(vault: Vault, progress: Any, cancel: Any) -> None:
            vault.record_view(vault.get_item(item_id), "preview")

        job = Job("quick:view", work)
        self.tasks.watch(job, done=lambda _j: self.custody.refresh())
        self.session.run_quick(job)

    def go_to_item(self, item_id: int) -> None:
        reader = self._reader()
        if reader is None:
            return
        from ..services.case_access import reach_item

        try:
            item = reach_item(reader, item_id, "app open item")  # a hit, an alert or a log entry of another case
        except ForensicsError as exc:
            show_error(self, exc)
            return
        if self.current_case_id() != item.case_id:
            self.cases.select_case(item.case_id)
        self.center_tabs.setCurrentWidget(self.evidence)
        self.evidence.select_item(item_id)
        self.raise_()
        self.activateWindow()

    def evidence_changed(self) -> None:
        """New or changed evidence: reload lists, keep selections."""
        reader = self._reader()
        if reader is None:
            return
        case_id = self.current_case_id()
        self.cases.reload(reader, case_id)  # the same case stays selected, without re-showing it
        self.evidence.refresh()  # keeps the selected item
        self.custody.refresh()  # keeps the selected entry
        self._update_actions()

    # == closing =====================================================================
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        if self.session is not None and self.session.tasks.busy:
            if not ask(self, tr("quit.title"), tr("quit.running")):
                event.ignore()
                return
            self.session.tasks.cancel_all()
            self._wait_for_tasks(60.0)
        self._closing = True
        for dialog in list(self._dialogs.values()):
            dialog.close()
        self.close_session()
        event.accept()

    def _wait_for_tasks(self, timeout: float) -> None:
        """Keep the window painting while cancelled work winds down (it leaves nothing half-written)."""
        assert self.session is not None
        self.statusBar().showMessage(tr("quit.cancelling"))
        deadline = time.monotonic() + timeout
        while self.session.busy and time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.02)
        QApplication.processEvents()

