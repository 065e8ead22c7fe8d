"""Choosing files and folders in the interface's language: Qt's own file dialog, never the desktop's.

A desktop's native dialog speaks the system's language, not the one chosen in the app,
and Qt's file model writes sizes with the system locale's unit ("68 bytes", a string
no Qt translation reaches). So every dialog here is Qt's widget dialog (its strings come
from ``translations/qt_vi.ts``) with the size column written by the app
(``formatting.human_size``: "68 B", "2,9 MiB") and the date as dd/mm/yyyy, and its columns
wide enough to read.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QIdentityProxyModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QFileDialog, QFileSystemModel, QHeaderView, QTreeView, QWidget

from .formatting import human_size

SIZE_COLUMN, DATE_COLUMN = 1, 3  # QFileSystemModel's columns: name, size, type, date modified


class AppColumns(QIdentityProxyModel):
    """The file model as it is, except the size and the date, written in the app's words (``68 B``,
    ``07/12/2026 14:05``: Qt writes them with the system's locale, ``68 bytes``, ``7 12 2026``)."""

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and index.column() in (SIZE_COLUMN, DATE_COLUMN) and role == Qt.ItemDataRole.DisplayRole:
            model = self.sourceModel()
            source = self.mapToSource(index)
            if isinstance(model, QFileSystemModel):
                if index.column() == DATE_COLUMN:
                    return model.lastModified(source).toString("dd/MM/yyyy HH:mm")
                return "" if model.isDir(source) else human_size(model.size(source))
        return super().data(index, role)


def file_dialog(parent: QWidget | None, title: str, *, mode: str = "open", directory: str = "",
                filters: str = "") -> QFileDialog:
    """A dialog to open one file (``open``), several (``open_many``), a folder (``folder``) or to save (``save``)."""
    dialog = QFileDialog(parent, title, directory)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    if mode == "folder":
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
    elif mode == "open_many":
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    elif mode == "save":
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    if filters:
        dialog.setNameFilter(filters)
    dialog.setProxyModel(AppColumns(dialog))
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    dialog.resize(860, 520)
    tree = dialog.findChild(QTreeView, "treeView")
    if tree is not None:  # the name takes the room left; the size, type and date are shown whole
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, header.count()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    return dialog


def _chosen(dialog: QFileDialog) -> list[str]:
    return dialog.selectedFiles() if dialog.exec() == QFileDialog.DialogCode.Accepted else []


def open_file(parent: QWidget | None, title: str, directory: str = "", filters: str = "") -> str:
    return next(iter(_chosen(file_dialog(parent, title, directory=directory, filters=filters))), "")


def open_files(parent: QWidget | None, title: str, directory: str = "", filters: str = "") -> list[str]:
    return _chosen(file_dialog(parent, title, mode="open_many", directory=directory, filters=filters))


def folder(parent: QWidget | None, title: str, directory: str = "") -> str:
    return next(iter(_chosen(file_dialog(parent, title, mode="folder", directory=directory))), "")


def save_file(parent: QWidget | None, title: str, directory: str = "", filters: str = "") -> tuple[str, str]:
    """(the path chosen, the name filter chosen); ("", "") when cancelled."""
    dialog = file_dialog(parent, title, mode="save", directory=directory, filters=filters)
    chosen = _chosen(dialog)
    return (chosen[0], dialog.selectedNameFilter()) if chosen else ("", "")
