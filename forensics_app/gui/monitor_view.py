"""The Monitoring tab: watches with their next run and last change, unread alerts grouped per case and watch,
and a side-by-side view of a change (previous | current text with the redline, and the three-panel image).

Reads go through the window's reader connection (small tables); "check now" and "mark read" are jobs on the
vault session like every other write. New unread alerts raise a desktop notification (the system tray's, where
there is one; the status line otherwise).
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QSystemTrayIcon,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence_store import Vault
from evidence_store import monitor_store as store

from ..services import alerts as desk_alerts
from . import formatting, i18n
from .jobs import Job
from .monitor_texts import t

if TYPE_CHECKING:
    from .deferred import LazyTab


class MonitoringView(QWidget):
    """Watches, alerts and the diff of the chosen change."""

    item_requested = Signal(int)
    notified = Signal(str)  # the text of a desktop notification (also for tests without a tray)
    viewed = Signal(int)  # an item's content was shown (the window logs the viewing)

    def __init__(self) -> None:
        super().__init__()
        self.vault: Vault | None = None
        self.session: Any = None
        self.zone = formatting.DEFAULT_ZONE
        self.seen_unread: set[str] = set()
        self.alert_rows: list[desk_alerts.DeskAlert] = []
        self.watches = QTableWidget(0, 7)
        self.watches.setObjectName("monitorWatches")
        self.watches.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.watches.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.watches.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.check_button, self.pause_button = QPushButton(), QPushButton()
        self.refresh_button, self.read_button = QPushButton(), QPushButton()
        self.check_button.clicked.connect(self.check_now)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.refresh_button.clicked.connect(self.refresh)
        self.read_button.clicked.connect(self.mark_read)
        self.status = QLabel()
        self.status.setObjectName("monitorStatus")
        self.alerts = QTreeWidget()
        self.alerts.setObjectName("monitorAlerts")
        self.alerts.setColumnCount(3)
        self.alerts.currentItemChanged.connect(lambda *_: self.show_selected_alert())
        self.alerts.itemDoubleClicked.connect(self._open_alert_item)
        self.previous, self.current = QTextBrowser(), QTextBrowser()
        self.previous.setObjectName("monitorPrevious")
        self.current.setObjectName("monitorCurrent")
        self.previous_label, self.current_label, self.visual_label = QLabel(), QLabel(), QLabel()
        self.rule = QLabel()
        self.rule.setWordWrap(True)
        self.image = QLabel()
        self.image.setObjectName("monitorVisual")
        self.image.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidget(self.image)
        scroll.setWidgetResizable(True)
        buttons = QHBoxLayout()
        for b in (self.check_button, self.pause_button, self.refresh_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.status)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.watches)
        alerts_box = QWidget()
        alerts_layout = QVBoxLayout(alerts_box)
        alerts_layout.setContentsMargins(0, 0, 0, 0)
        alerts_layout.addWidget(self.alerts)
        alerts_layout.addWidget(self.read_button)
        sides = QSplitter(Qt.Orientation.Horizontal)
        for label, browser in ((self.previous_label, self.previous), (self.current_label, self.current)):
            box = QWidget()
            layout = QVBoxLayout(box)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(label)
            layout.addWidget(browser)
            sides.addWidget(box)
        diff_box = QWidget()
        diff_layout = QVBoxLayout(diff_box)
        diff_layout.setContentsMargins(0, 0, 0, 0)
        diff_layout.addWidget(self.rule)
        diff_layout.addWidget(sides, 2)
        diff_layout.addWidget(self.visual_label)
        diff_layout.addWidget(scroll, 1)
        self.tips = QTableWidget(0, 6)
        self.tips.setObjectName("monitorTips")
        self.tips.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.tips.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.tips.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.tip_capture_button, self.tip_watch_button = QPushButton(), QPushButton()
        self.tip_capture_button.clicked.connect(lambda: self.act_on_tips(capture=True, watch=False))
        self.tip_watch_button.clicked.connect(lambda: self.act_on_tips(capture=False, watch=True))
        self.case_provider: Any = lambda: None  # the window's selected case: where an unlinked report's work goes
        tips_box = QWidget()
        tips_layout = QVBoxLayout(tips_box)
        tips_layout.setContentsMargins(0, 0, 0, 0)
        tips_layout.addWidget(self.tips)
        tip_buttons = QHBoxLayout()
        tip_buttons.addWidget(self.tip_capture_button)
        tip_buttons.addWidget(self.tip_watch_button)
        tip_buttons.addStretch(1)
        tips_layout.addLayout(tip_buttons)
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(alerts_box, "")
        self.side_tabs.addTab(tips_box, "")
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.side_tabs)
        lower.addWidget(diff_box)
        lower.setSizes([300, 700])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.timer = QTimer(self)
        self.timer.setInterval(30_000)
        self.timer.timeout.connect(self.refresh)
        self.tray: QSystemTrayIcon | None = None
        self.relabel()
        i18n.on_change(self.relabel)

    # -- texts --------------------------------------------------------------------------------------------------
    def relabel(self, _lang: str = "") -> None:
        self.watches.setHorizontalHeaderLabels([t(k) for k in ("mon.col.id", "mon.col.target", "mon.col.kind",
                                                               "mon.col.status", "mon.col.next", "mon.col.change",
                                                               "mon.col.unread")])
        self.alerts.setHeaderLabels([t("mon.alerts"), "", ""])
        self.check_button.setText(t("mon.check_now"))
        self.pause_button.setText(t("mon.pause"))
        self.refresh_button.setText(t("mon.refresh"))
        self.read_button.setText(t("mon.mark_read"))
        self.previous_label.setText(t("mon.previous"))
        self.current_label.setText(t("mon.current"))
        self.visual_label.setText(t("mon.visual"))
        self.side_tabs.setTabText(0, t("mon.alerts"))
        self.side_tabs.setTabText(1, t("mon.tips"))
        self.tips.setHorizontalHeaderLabels([t(f"mon.tip.col.{k}") for k in ("id", "received", "channel", "status",
                                                                            "case", "urls")])
        self.tip_capture_button.setText(t("mon.tip.capture"))
        self.tip_watch_button.setText(t("mon.tip.watch"))
        if self.vault is not None:
            self.refresh()

    # -- data ---------------------------------------------------------------------------------------------------
    def show_vault(self, vault: Vault | None, session: Any = None) -> None:
        self.vault, self.session = vault, session
        if vault is not None:
            try:
                self.zone = str(vault.get_setting("timezone", formatting.DEFAULT_ZONE))
            except Exception:  # noqa: BLE001 - a locked or closing vault: keep the default zone
                self.zone = formatting.DEFAULT_ZONE
            self.seen_unread = {a.ref for a in desk_alerts.all_alerts(vault, unread_only=True)}
            self.timer.start()
        else:
            self.timer.stop()
        self.refresh()

    def refresh(self) -> None:
        vault = self.vault
        self.watches.setRowCount(0)
        self.alerts.clear()
        if vault is None or not vault.is_open:
            return
        from ..services.watches import list_watches

        rows = list_watches(vault)[0]  # the cases this examiner may open
        self.alert_rows = desk_alerts.all_alerts(vault)
        unread = [a for a in self.alert_rows if a.read_at is None]
        per_watch: dict[int, int] = {}
        for a in unread:
            if a.watch_id is not None:
                per_watch[a.watch_id] = per_watch.get(a.watch_id, 0) + 1
        self.watches.setRowCount(len(rows))
        for r, w in enumerate(rows):
            status = t(f"mon.status.{w.status}") if w.health == "ok" else t(f"mon.health.{w.health}")
            if w.removed_at:
                status += " · " + t("mon.status.removed_seen")
            cells = [str(w.id), w.target, t(f"mon.kind.{w.kind}"), status, formatting.local_time(w.next_due, self.zone),
                     formatting.local_time(w.last_change, self.zone) if w.last_change else "—",
                     str(per_watch.get(w.id, 0))]
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, w.id)
                self.watches.setItem(r, c, cell)
        lang = i18n.current()
        bold = QFont()
        bold.setBold(True)
        for group, members in desk_alerts.grouped(self.alert_rows).items():
            node = QTreeWidgetItem([group, "", ""])
            for a in members:
                child = QTreeWidgetItem([f"[{a.kind_text(lang)}] {a.text(lang)}",
                                         formatting.local_time(a.created_at, self.zone), a.ref])
                child.setData(0, Qt.ItemDataRole.UserRole, a.ref)
                if a.read_at is None:
                    for col in range(3):
                        child.setFont(col, bold)
                node.addChild(child)
            self.alerts.addTopLevelItem(node)
            node.setExpanded(True)
        self._fill_tips(vault)
        self.status.setText(t("mon.summary", watches=len(rows), unread=len(unread)))
        fresh = [a for a in unread if a.ref not in self.seen_unread]
        self.seen_unread |= {a.ref for a in unread}
        if fresh:
            self._notify(t("mon.notify", count=len(fresh)) + ": " + fresh[-1].text(lang))

    def _fill_tips(self, vault: Vault) -> None:
        from evidence_store import tip_store

        rows = tip_store.list_tips(vault)  # the reporter is never read here
        self.tips.setRowCount(len(rows))
        for r, tip in enumerate(rows):
            cells = [str(tip.id), formatting.local_time(tip.received_at, self.zone),
                     t(f"mon.tip.channel.{tip.channel}"),
                     t(f"mon.tip.{tip.status}"), str(tip.case_id or "—"), ", ".join(tip.urls)]
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, tip.id)
                self.tips.setItem(r, c, cell)

    def act_on_tips(self, *, capture: bool, watch: bool) -> None:
        """One click: the selected reports' addresses captured or watched, in their case (or the selected one)."""
        rows = sorted({i.row() for i in self.tips.selectedIndexes()})
        cells = [self.tips.item(r, 0) for r in rows]
        ids = [int(c.data(Qt.ItemDataRole.UserRole)) for c in cells if c is not None]
        if not ids or self.session is None:
            return
        fallback = self.case_provider()

        def work(vault: Vault, _progress: Any, _cancel: Any) -> Any:
            from evidence_store import tip_store

            from ..services import tips

            done = []
            for tip_id in ids:
                linked = tip_store.get_tip(vault, tip_id).case_id
                done.append(tips.act(vault, tip_id, capture=capture, watch=watch,
                                     case_ref=None if linked else fallback))
            return done

        self._submit(Job("monitor:tips", work), task=True)

    def _notify(self, text: str) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self.tray is None:
                self.tray = QSystemTrayIcon(self.windowIcon(), self)
                self.tray.show()
            self.tray.showMessage(t("tab.monitoring"), text)
        self.notified.emit(text)

    def selected_watch_ids(self) -> list[int]:
        rows = {i.row() for i in self.watches.selectedIndexes()}
        cells = [self.watches.item(r, 0) for r in sorted(rows)]
        return [int(c.data(Qt.ItemDataRole.UserRole)) for c in cells if c is not None]

    def _selected_alert(self) -> desk_alerts.DeskAlert | None:
        node = self.alerts.currentItem()
        ref = node.data(0, Qt.ItemDataRole.UserRole) if node is not None else None
        return next((a for a in self.alert_rows if a.ref == ref), None)

    # -- the diff view ------------------------------------------------------------------------------------------
    def show_selected_alert(self) -> None:
        alert = self._selected_alert()
        if alert is None or alert.item_id is None or self.vault is None:
            return
        item = self.vault.get_item(alert.item_id)
        if item.kind == "monitoring_change":
            self.show_change(item.id)

    def show_change(self, item_id: int) -> None:
        """Previous and current text side by side with the words removed and added marked, and the image."""
        assert self.vault is not None
        vault = self.vault
        item = vault.get_item(item_id)
        body = json.loads(b"".join(vault.read_item(item)))
        self.viewed.emit(item.id)
        ops = ((body.get("change") or {}).get("text") or {}).get("ops") or []
        left, right = [], []
        for op, words in ops:
            text = html.escape(words)
            if op == "equal":
                left.append(text)
                right.append(text)
            elif op == "delete":
                left.append(f"<span style='background:#fdd;text-decoration:line-through'>{text}</span>")
            else:
                right.append(f"<span style='background:#dfd;font-weight:bold'>{text}</span>")
        summary = html.escape(str(item.metadata.get("summary", "")))
        self.previous.setHtml(f"<p><i>{summary}</i></p><p>{' '.join(left)}</p>" if ops else t("mon.no_change"))
        self.current.setHtml(f"<p><i>{summary}</i></p><p>{' '.join(right)}</p>" if ops else summary)
        self.rule.setText(t("mon.rule", rule=str(body.get("rule", ""))))
        picture = next(iter(vault.list_items(parent_id=item.id, kind="monitoring_visual_diff")), None)
        if picture is not None:
            pixmap = QPixmap()
            pixmap.loadFromData(b"".join(vault.read_item(picture)))
            self.viewed.emit(picture.id)
            self.image.setPixmap(pixmap)
        else:
            self.image.clear()

    def _open_alert_item(self, *_args: Any) -> None:
        alert = self._selected_alert()
        if alert is not None and alert.item_id is not None:
            self.item_requested.emit(alert.item_id)

    # -- actions (jobs on the vault session) ------------------------------------------------------------------
    def mark_read(self) -> None:
        refs = [a.ref for a in self.alert_rows if a.read_at is None]
        alert = self._selected_alert()
        if alert is not None:
            refs = [alert.ref]
        if not refs or self.session is None:
            return
        self._submit(Job("monitor:read", lambda vault, _p, _c: desk_alerts.mark_read(vault, refs)))

    def check_now(self) -> None:
        ids = self.selected_watch_ids()
        if not ids or self.session is None:
            return

        def work(vault: Vault, _progress: Any, cancel: Any) -> Any:
            from ..services import monitor

            return monitor.run_checks(vault, [store.get_watch(vault, i) for i in ids], cancel=cancel)

        self._submit(Job("monitor:check", work), task=True)

    def toggle_pause(self) -> None:
        ids = self.selected_watch_ids()
        if not ids or self.session is None:
            return

        def work(vault: Vault, _progress: Any, _cancel: Any) -> None:
            from ..services import monitor

            for i in ids:
                watch = store.get_watch(vault, i)
                (monitor.resume if watch.status == store.PAUSED else monitor.pause)(vault, i)

        self._submit(Job("monitor:pause", work))

    def _submit(self, job: Job, task: bool = False) -> None:
        self.last_job = job
        (self.session.run_task if task else self.session.run_quick)(job)
        QTimer.singleShot(0, lambda: self._when_done(job))

    def _when_done(self, job: Job) -> None:
        if job.finished.is_set():
            self.refresh()
            if job.error is not None:  # e.g. a report linked to no case while no case is selected
                self.status.setText(str(job.error))
        else:
            QTimer.singleShot(100, lambda: self._when_done(job))


def install_monitoring(window: Any, place: LazyTab) -> MonitoringView:
    """The Monitoring tab of the main window, in the ``place`` kept for it; it follows the open vault session."""
    view = MonitoringView()
    view.setObjectName("monitoringView")
    place.put(view)
    view.item_requested.connect(window.go_to_item)
    view.viewed.connect(window._record_view)
    view.case_provider = window.current_case_id

    def relabel(_lang: str = "") -> None:
        window.center_tabs.setTabText(window.center_tabs.indexOf(view), t("tab.monitoring"))

    def tab_changed(_index: int) -> None:
        if window.center_tabs.currentWidget() is view:
            view.show_vault(window._reader(), window.session)

    window.center_tabs.currentChanged.connect(tab_changed)
    i18n.on_change(relabel)
    window._monitoring_view = (view, relabel)
    return view
