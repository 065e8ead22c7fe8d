"""About and the signed checkpoint: text a user copies into a report, whole, with one click."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QPlainTextEdit, QPushButton

from evidence_store.checkpoint import parse_verifier_key
from tests.gui.conftest import wait_until


def _copy(dialog: Any) -> str:
    buttons = dialog.findChild(QDialogButtonBox)
    copy = next(b for b in buttons.findChildren(QPushButton) if b.text() == "Copy")
    QGuiApplication.clipboard().clear()
    copy.click()
    return QGuiApplication.clipboard().text()


def test_about_lists_the_versions_and_copies_them(window: Any, qtbot: Any) -> None:
    window.act_about.trigger()
    dialog = window._dialogs["about"]
    text = dialog.findChild(QPlainTextEdit, "versionList").toPlainText()
    assert "PySide6-Essentials: " in text and "SQLCipher: 4." in text
    assert text.count("\n") >= 10 and "not installed" not in text.split("reportlab")[1].splitlines()[0]
    assert _copy(dialog) == text


def test_the_checkpoint_is_shown_whole_with_its_key(window: Any, qtbot: Any) -> None:
    window.act_checkpoint.trigger()
    wait_until(qtbot, lambda: "checkpoint" in window._dialogs)
    dialog = window._dialogs["checkpoint"]
    text = dialog.findChild(QPlainTextEdit, "checkpointText").toPlainText()
    note, key_line = text.rsplit("\n", 1)
    origin, size, root = note.splitlines()[:3]
    assert origin and " " not in origin, text
    assert int(size) > 0 and len(root) == 44
    parse_verifier_key(key_line.rsplit(" ", 1)[1])  # a verifier key, whole (its hash matches its name and key)
    assert _copy(dialog) == text
