"""Pieces the app's forms share."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton

from .i18n import bind


def path_row(edit: QLineEdit, on_browse: Callable[[], object]) -> QHBoxLayout:
    """A path field with its Browse… button beside it."""
    button = bind(QPushButton(), "setText", "button.browse")
    button.clicked.connect(on_browse)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row
