"""Qt's own dialogs speak the interface's language (PySide6 ships no Vietnamese: qt_vi.ts is ours)."""

from __future__ import annotations

from typing import Any


def _texts(dialog: Any) -> set[str]:
    from PySide6.QtWidgets import QAbstractButton, QLabel

    found = {b.text().replace("&", "") for b in dialog.findChildren(QAbstractButton)}
    return found | {label.text().replace("&", "") for label in dialog.findChildren(QLabel)}


def test_a_file_dialog_and_a_message_box_are_vietnamese_then_english(make_window: Any, qtbot: Any) -> None:
    from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox

    from forensics_app.gui import i18n

    window = make_window()
    i18n.set_language("vi")
    dialog = QFileDialog(window, "Chọn tệp")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # Qt's own dialog: what Linux workstations show
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.show()
    qtbot.waitExposed(dialog)
    texts = _texts(dialog)
    assert {"Mở", "Huỷ", "Tìm trong:", "Tên tệp:", "Loại tệp:"} <= texts, texts
    assert not {"Open", "Cancel", "Look in:", "File name:"} & texts
    box = dialog.findChild(QDialogButtonBox)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Huỷ"
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    assert "Lưu" in _texts(dialog)

    message = QMessageBox(QMessageBox.Icon.Question, "?", "?", QMessageBox.StandardButton.Ok
                          | QMessageBox.StandardButton.Cancel, window)
    assert message.button(QMessageBox.StandardButton.Ok).text() == "Đồng ý"
    assert message.button(QMessageBox.StandardButton.Cancel).text() == "Huỷ"

    i18n.set_language("en")  # Qt re-translates the open dialog
    qtbot.waitUntil(lambda: "Look in:" in _texts(dialog), timeout=5000)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Cancel"
    dialog.close()


def test_every_qt_string_we_translate_is_one_this_qt_shows() -> None:
    """The .ts names Qt's own sources; Qt's shipped German catalogue says whether this Qt version has each one
    (a Qt upgrade that rewords a string makes this fail instead of silently showing English)."""
    import xml.etree.ElementTree as ET

    from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator
    from PySide6.QtWidgets import QApplication

    from forensics_app.gui.qt_language import FOLDER

    assert QApplication.instance() or QCoreApplication.instance()
    german = QTranslator()
    assert german.load("qtbase_de", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    unknown, count = [], 0
    for context in ET.parse(FOLDER / "qt_vi.ts").getroot().findall("context"):
        name = context.findtext("name")
        for message in context.findall("message"):
            count += 1
            source, comment = message.findtext("source"), message.findtext("comment")
            translation = message.findtext("translation") or ""
            if not german.translate(name, source, comment):
                unknown.append((name, source))
            assert translation.strip(), (name, source)
    assert count > 150 and not unknown, unknown
