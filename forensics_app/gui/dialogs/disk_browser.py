"""The disk browser: partitions, a lazy directory tree with deleted entries marked, file details,
and extraction of the selected files into the case (each with its locator as provenance).

The image is read through ``services.disk.DiskBrowser`` off the GUI thread, one
call at a time; it is opened read-only and never modified.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
)

from ...services.disk import DiskBrowser
from ...services.disk_acquire import ExtractResult, extract
from ...services.disk_extract import Selection
from .. import theme
from ..errors import error_text
from ..formatting import human_size, local_time
from ..i18n import bind, tr
from ..jobs import Job
from ..task_dialog import TaskDialog
from ..tasks import run_in_thread
from .disk_preview import DiskPreviewPane

DELETED = QColor("#b3261e")
ROLE = Qt.ItemDataRole.UserRole


class DiskBrowserDialog(TaskDialog):
    title_key = "browser.title"
    help_topic = "files"
    start_key = "browser.extract"
    bytes_progress = True

    def __init__(self, workspace: Any, image_path: Path, image_item: int | None, parent: Any = None) -> None:
        super().__init__(workspace, parent)
        self.resize(1100, 700)
        self.image_path = image_path
        self.image_item = image_item
        self._case_id = workspace.current_case_id()
        self._lock = threading.Lock()
        self.browser: DiskBrowser | None = None
        self.heading = QLabel(str(image_path))
        self.heading.setObjectName("browserHeading")
        theme.set_role(self.heading, "hint")
        self.form_layout.addWidget(self.heading)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.tree = QTreeWidget()
        self.tree.setObjectName("diskTree")
        self.tree.setHeaderHidden(True)
        self.tree.itemExpanded.connect(self._expand)
        self.tree.currentItemChanged.connect(lambda current, _prev: self._open_dir(current))
        self.files = QTreeWidget()
        self.files.setObjectName("diskFiles")
        self.files.setRootIsDecorated(False)
        self.files.setColumnCount(6)
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.files.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.files.currentItemChanged.connect(lambda current, _prev: self._details(current))
        self.details = QPlainTextEdit()
        self.details.setObjectName("diskDetails")
        self.details.setReadOnly(True)
        theme.set_role(self.details, "mono")
        self.look = DiskPreviewPane(self)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("diskTabs")
        self.tabs.addTab(self.details, "")
        self.tabs.addTab(self.look, "")
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.files)
        right.addWidget(self.tabs)
        right.setSizes([360, 300])
        splitter.addWidget(self.tree)
        splitter.addWidget(right)
        splitter.setSizes([300, 760])
        self.form_layout.addWidget(splitter, 1)
        row = QHBoxLayout()
        self.legend = bind(QLabel(), "setText", "browser.legend")
        theme.set_role(self.legend, "hint")
        row.addWidget(self.legend, 1)
        self.preview_button = bind(QPushButton(), "setText", "browser.preview")
        self.preview_button.setObjectName("previewButton")
        self.preview_button.clicked.connect(self.preview_current)
        row.addWidget(self.preview_button)
        self.deleted_button = bind(QPushButton(), "setText", "browser.extract.deleted")
        self.deleted_button.setObjectName("extractDeletedButton")
        self.deleted_button.clicked.connect(lambda: self.start_with(Selection(deleted=True)))
        row.addWidget(self.deleted_button)
        self.form_layout.addLayout(row)
        self.result_list = QPlainTextEdit()
        self.result_list.setReadOnly(True)
        self.result_list.setMaximumHeight(90)
        self.result_list.hide()
        self.result_layout.addWidget(self.result_list)
        self._pending_selection: Selection | None = None
        self._relabel_columns()

    def _relabel_columns(self, _lang: str = "") -> None:
        self.tabs.setTabText(0, tr("browser.tab.details"))
        self.tabs.setTabText(1, tr("browser.tab.preview"))
        self._relabel_file_columns()

    def _relabel_file_columns(self) -> None:
        self.files.setHeaderLabels([tr("browser.col.name"), tr("browser.col.size"), tr("browser.col.type"),
                                    tr("browser.col.allocation"), tr("browser.col.modified"),
                                    tr("browser.col.recovery")])
        for n, width in enumerate((240, 80, 90, 120, 190)):
            self.files.header().resizeSection(n, width)

    # -- reading the image, off the GUI thread ------------------------------------------
    def _call(self, fn: Any, done: Any) -> None:
        def guarded() -> Any:
            with self._lock:
                return fn()

        run_in_thread(guarded, done, lambda error, details: self._failed_read(error))

    def _failed_read(self, error: BaseException) -> None:
        from ..errors import message_for

        self.show_problem(message_for(error)[1])

    def load(self) -> None:
        self.show()
        self.status.setText(tr("browser.opening"))
        zone = self.workspace.zone

        def open_it() -> list[dict[str, Any]]:
            self.browser = DiskBrowser(self.image_path, local_zone=zone)
            return self.browser.partitions()

        self._call(open_it, self._show_partitions)

    def _show_partitions(self, partitions: list[dict[str, Any]]) -> None:
        self.status.clear()
        self.tree.clear()
        for part in partitions:
            fs = part.get("file_system") or {}
            label = tr("browser.partition", index=part["index"], description=part["description"],
                       fs=fs.get("type") or tr("browser.no.fs"), size=human_size(part.get("size")))
            node = QTreeWidgetItem([label])
            node.setIcon(0, theme.icon("disk"))
            node.setData(0, ROLE, {"partition": part["index"], "path": "/", "inode": None, "loaded": False,
                                   "fs": bool(fs)})
            if fs:
                node.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            self.tree.addTopLevelItem(node)
        first = self.tree.topLevelItem(0) if self.tree.topLevelItemCount() else None
        if first is not None:
            self.tree.setCurrentItem(first)
            first.setExpanded(True)

    def _listing(self, node: QTreeWidgetItem, then: Any) -> None:
        data = node.data(0, ROLE)
        if not data or not data.get("fs"):
            return
        if data.get("entries") is not None:
            then(node, data["entries"])
            return
        browser = self.browser
        assert browser is not None

        def listed(result: dict[str, Any]) -> None:
            data["entries"] = result["entries"]
            node.setData(0, ROLE, data)
            then(node, data["entries"])

        self._call(lambda: browser.list_dir(data["partition"], data["path"], inode=data["inode"]), listed)

    def _expand(self, node: QTreeWidgetItem) -> None:
        def add_children(parent: QTreeWidgetItem, entries: list[dict[str, Any]]) -> None:
            data = parent.data(0, ROLE)
            if data.get("loaded"):
                return
            data["loaded"] = True
            parent.setData(0, ROLE, data)
            for entry in entries:
                if not entry.get("is_directory") or entry["name"] in (".", ".."):
                    continue
                child = QTreeWidgetItem([entry["name"]])
                child.setIcon(0, theme.icon("deleted" if entry.get("deleted") else "folder"))
                if entry.get("deleted"):
                    child.setForeground(0, QBrush(DELETED))
                    child.setToolTip(0, tr("browser.deleted"))
                child.setData(0, ROLE, {"partition": data["partition"], "path": entry["path"],
                                        "inode": entry["inode"] if entry.get("deleted") else None,
                                        "loaded": False, "fs": True})
                child.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
                parent.addChild(child)

        self._listing(node, add_children)

    def _open_dir(self, node: QTreeWidgetItem | None) -> None:
        if node is None:
            return
        self._listing(node, self._show_files)

    def _show_files(self, node: QTreeWidgetItem, entries: list[dict[str, Any]]) -> None:
        if node is not self.tree.currentItem():
            return
        self.files.clear()
        data = node.data(0, ROLE)
        for entry in entries:
            if entry["name"] in (".", ".."):
                continue
            modified = (entry.get("times") or {}).get("modified") or {}
            recovery = (entry.get("recovery") or {}).get("state", "")
            row = QTreeWidgetItem([entry["name"], human_size(entry.get("size")), entry.get("type", ""),
                                   entry.get("allocation", ""), local_time(modified.get("utc"), self.workspace.zone),
                                   recovery])
            icon = "folder" if entry.get("is_directory") else "file"
            row.setIcon(0, theme.icon("deleted" if entry.get("deleted") else icon))
            if entry.get("deleted"):
                for column in range(6):
                    row.setForeground(column, QBrush(DELETED))
            row.setData(0, ROLE, {**entry, "partition": data["partition"]})
            self.files.addTopLevelItem(row)

    def _details(self, row: QTreeWidgetItem | None) -> None:
        self.look.clear()
        if row is None:
            self.details.clear()
            return
        self.details.setPlainText(json.dumps(row.data(0, ROLE), ensure_ascii=False, indent=1))

    # -- preview: read off the GUI thread, shown from memory, logged -------------------------------------
    def preview_current(self) -> None:
        row = self.files.currentItem()
        entry = row.data(0, ROLE) if row is not None else None
        if not entry or not entry.get("has_content"):
            self.look.note(tr("browser.preview.none"))
            return
        browser = self.browser
        assert browser is not None
        self.tabs.setCurrentWidget(self.look)
        self.look.note(tr("browser.preview.loading"))
        partition, address = entry["partition"], str(entry["address"])
        self._call(lambda: browser.preview(partition, address), self._show_preview)

    def _show_preview(self, shown: Any) -> None:
        self.look.show_preview(shown)
        self._log_preview(shown)

    def _log_preview(self, shown: Any) -> None:
        """The look goes in the custody log (on the image's item when the case has it), as any preview."""
        if self._case_id is None:
            return
        from ...services.disk_preview import log_preview

        case_id, image_path = self._case_id, self.image_path

        def work(vault: Any, progress: Any, cancel: Any) -> str:
            return log_preview(vault, vault.get_case(case_id), image_path, shown)

        job = Job("quick:disk-view", work)
        self.workspace.tasks.watch(job, done=lambda _job: self.look.logged(True),
                                   failed=lambda failed: self.look.logged(False, str(failed.error)))
        try:
            self.workspace.session_or_raise().run_quick(job)
        except Exception as exc:  # noqa: BLE001 - shown to the examiner, never swallowed
            self.look.logged(False, error_text(exc))

    # -- extraction -----------------------------------------------------------------------
    def selected_entries(self) -> list[dict[str, Any]]:
        return [item.data(0, ROLE) for item in self.files.selectedItems()]

    def start_with(self, selection: Selection) -> None:
        self._pending_selection = selection
        self.start()

    def make_job(self) -> Job | None:
        if self._case_id is None:
            self.show_problem(tr("task.no.case"))
            return None
        node = self.tree.currentItem()
        partition = node.data(0, ROLE)["partition"] if node is not None else None
        selections: list[tuple[Selection, int | None]] = []
        if self._pending_selection is not None:
            selections.append((self._pending_selection, partition))
            self._pending_selection = None
        else:
            for entry in self.selected_entries():
                if entry.get("is_directory") and not entry.get("deleted"):
                    selections.append((Selection(path=entry["path"]), entry["partition"]))
                elif entry.get("has_content"):
                    selections.append((Selection(inode=str(entry["address"])), entry["partition"]))
        if not selections:
            self.show_problem(tr("browser.need.selection"))
            return None
        path, case_id, image_item, zone = self.image_path, self._case_id, self.image_item, self.workspace.zone

        def work(vault: Any, progress: Any, cancel: Any) -> list[ExtractResult]:
            results = []
            item = image_item
            for selection, part in selections:
                cancel.check()
                result = extract(vault, case_id, path, selection, partition=part, image_item=item,
                                 local_zone=zone, progress=progress, cancel=cancel)
                item = result.image_item.id
                results.append(result)
            return results

        return Job(tr("browser.job"), work)

    def show_result(self, results: list[ExtractResult]) -> None:
        extracted = sum(r.extracted for r in results)
        incomplete = sum(r.possibly_incomplete for r in results)
        skipped = [f"{p}: {r}" for result in results for p, r in result.skipped]
        self.message.setText(tr("browser.done", count=extracted, incomplete=incomplete, skipped=len(skipped)))
        if results:
            self.image_item = results[0].image_item.id
        self.result_list.setPlainText("\n".join(skipped))
        self.result_list.setVisible(bool(skipped))
        ids = [i for result in results for i in result.item_ids]
        if ids:
            self.workspace.go_to_item(ids[0])

    def done(self, code: int) -> None:  # noqa: D102 (closing releases the image)
        super().done(code)
        self._release()

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        super().closeEvent(event)
        if not self.running:
            self._release()

    def _release(self) -> None:
        browser, self.browser = self.browser, None
        if browser is not None:
            def close_it() -> None:
                with self._lock:
                    browser.close()

            threading.Thread(target=close_it, daemon=True).start()

