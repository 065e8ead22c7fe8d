"""What a Vietnamese user reads on the desk is in their language: capture parts by their names, the time zone in
words, host rules explained, Qt's file dialog without an English size unit."""

from __future__ import annotations

import re
from typing import Any

import pytest

from evidence_store import UsageError


def test_host_rules_are_explained_in_the_users_language_and_stored_in_chromiums_syntax(qtbot: Any) -> None:
    from PySide6.QtWidgets import QLabel

    from collectors.web import CaptureOptions
    from forensics_app.gui import i18n
    from forensics_app.gui.dialogs.web_dialog import OptionsForm

    i18n.set_language("vi")
    form = OptionsForm(CaptureOptions(host_rules=("MAP example.test 127.0.0.1",)))
    qtbot.addWidget(form)
    box = form.widgets["host_rules"]
    shown = " ".join(label.text() for label in form.findChildren(QLabel)) + box.placeholderText() + box.toolTip()
    assert "MAP" not in shown and "example" not in shown.lower() and "rules" not in shown
    assert "tên miền" in form.labels["host_rules"].text() and "vidu.vn 203.0.113.5" in box.placeholderText()
    assert box.toPlainText() == "example.test 127.0.0.1"  # a stored rule, as the form words it
    box.setPlainText("vidu.vn 203.0.113.5\nMAP other.test 10.0.0.5")
    assert form.options().host_rules == ("MAP vidu.vn 203.0.113.5", "MAP other.test 10.0.0.5")
    box.setPlainText("vidu.vn")
    with pytest.raises(UsageError) as caught:
        form.options()
    assert "tên miền, dấu cách, rồi địa chỉ IP" in caught.value.text("vi") and "MAP" not in caught.value.text("vi")
    i18n.set_language("en")
    assert "domain" in form.labels["host_rules"].text() and "MAP" not in form.labels["host_rules"].text()


def test_settings_name_the_zone_in_words_and_keep_its_iana_name(window: Any, qtbot: Any) -> None:
    from PySide6.QtWidgets import QLabel

    from forensics_app.gui import i18n

    i18n.set_language("vi")
    dialog = window.open_dialog("settings")
    box = dialog.zone
    assert box.currentText() == "Giờ Việt Nam (UTC+07:00)" and box.zone_name() == "Asia/Ho_Chi_Minh"
    visible = [label.text() for label in dialog.findChildren(QLabel) if label.isVisible()]
    assert not any("Ho_Chi_Minh" in text for text in visible + [box.currentText()])
    bangkok = box.findData("Asia/Bangkok")
    assert box.itemText(bangkok) == "Giờ Đông Dương (UTC+07:00) — Asia/Bangkok"  # CLDR's words, through Qt's ICU
    box.setCurrentIndex(bangkok)
    assert dialog.changes()["timezone"] == "Asia/Bangkok"  # the setting stays the IANA name
    box.setCurrentIndex(box.findData("Asia/Ho_Chi_Minh"))
    i18n.set_language("en")
    assert box.currentText() == "Viet Nam time (UTC+07:00)" and box.zone_name() == "Asia/Ho_Chi_Minh"
    dialog.close()


def test_a_captures_parts_are_named_by_what_they_are_with_the_file_name_second(make_window: Any, qtbot: Any,
                                                                               seeded_vault: Any) -> None:
    from evidence_store import Vault
    from forensics_app.gui import i18n
    from tests.conftest import PASSPHRASE
    from tests.reports.conftest import add_web_capture

    from .conftest import unlock, wait_until

    with Vault.open(seeded_vault, PASSPHRASE) as vault:
        case = vault.create_case("VV-2026-012", "Bài đăng mẫu")
        add_web_capture(vault, case, title="Diễn đàn mẫu")
    i18n.set_language("vi")
    window = make_window()
    unlock(qtbot, window, seeded_vault)
    window.cases.select_case(next(c.id for c in window.cases.model.cases if c.number == "VV-2026-012"))
    wait_until(qtbot, lambda: window.evidence.model.rowCount() > 3)
    model = window.evidence.model
    names = {model.row_at(r).kind: model.index(r, 2).data() for r in range(model.rowCount())}
    assert names["screenshot"] == "Ảnh chụp toàn trang (screenshot.png)"
    assert names["html"] == "Mã trang (HTML) như đã hiển thị (page.html)"
    assert names["wacz"] == "Gói để xem lại (WACZ) (capture.wacz)"
    assert names["web_capture"].startswith("http")  # a capture is named by its address, as recorded
    shot = next(model.row_at(r) for r in range(model.rowCount()) if model.row_at(r).kind == "screenshot")
    window.evidence.select_item(shot.id)
    wait_until(qtbot, lambda: window.preview.detail is not None and window.preview.detail.item.id == shot.id)
    preview = window.preview
    assert preview.heading.text() == f"#{shot.id}  Ảnh chụp toàn trang"
    assert preview.heading_file.isVisible() and preview.heading_file.text() == "Tệp: screenshot.png"
    assert preview.parent_link.item(0).text().startswith(f"#{shot.parent_id}  http")
    i18n.set_language("en")
    assert preview.heading.text() == f"#{shot.id}  Full-page screenshot"
    assert model.index(next(r for r in range(model.rowCount()) if model.row_at(r).id == shot.id), 2).data() \
        == "Full-page screenshot (screenshot.png)"
    wait_until(qtbot, lambda: window.preview.detail is not None)
    window.evidence.select_item(shot.parent_id)
    wait_until(qtbot, lambda: preview.detail.item.id == shot.parent_id)
    assert not preview.heading_file.isVisible()
    children = [preview.child_list.item(n).text() for n in range(preview.child_list.count())]
    assert f"#{shot.id}  Full-page screenshot (screenshot.png)" in children, children


def test_the_file_dialog_writes_sizes_in_the_apps_words(qtbot: Any, tmp_path: Any) -> None:
    """Qt's file model writes "68 bytes" with the system's locale (no Qt translation reaches it): the app's dialog
    writes the size column itself, in the interface's language."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractButton, QLabel, QTreeView

    from forensics_app.gui import i18n
    from forensics_app.gui.file_dialogs import file_dialog

    folder = tmp_path / "USB thu giữ"
    (folder / "thư mục").mkdir(parents=True)
    (folder / "tin nhắn.txt").write_bytes(b"x" * 68)
    (folder / "ảnh.bin").write_bytes(b"\0" * (3 * 1024 * 1024 + 200_000))
    i18n.set_language("vi")
    dialog = file_dialog(None, "Thêm tệp", mode="open_many", directory=str(folder))
    qtbot.addWidget(dialog)
    dialog.show()
    tree = dialog.findChild(QTreeView, "treeView")
    qtbot.waitUntil(lambda: tree.model().rowCount(tree.rootIndex()) == 3, timeout=10_000)
    model = tree.model()
    rows = {model.index(r, 0, tree.rootIndex()).data(): [model.index(r, c, tree.rootIndex()).data()
                                                         for c in range(model.columnCount(tree.rootIndex()))]
            for r in range(model.rowCount(tree.rootIndex()))}
    assert rows["tin nhắn.txt"][1] == "68 B" and rows["ảnh.bin"][1] == "3,2 MiB" and rows["thư mục"][1] == ""
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", rows["tin nhắn.txt"][3]), rows  # not Qt's "7 12 2026"
    shown = [str(cell) for row in rows.values() for cell in row]
    shown += [w.text() for w in dialog.findChildren(QLabel) + dialog.findChildren(QAbstractButton) if w.isVisible()]
    shown += [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())]
    assert not [text for text in shown if "bytes" in text or "byte" in text.lower().split()], shown
    assert tree.header().sectionSize(1) >= tree.fontMetrics().horizontalAdvance("3,2 MiB")  # the size is whole
    dialog.close()


def test_the_custody_log_is_readable_at_1366_pixels_without_a_tooltip(make_window: Any, qtbot: Any,
                                                                      seeded_vault: Any) -> None:
    """The facts of an entry do not fit a column at 1366 px: the chosen entry is shown whole in the pane below,
    and the layout check fails when a cut cell of the chosen entry is not whole there."""
    from forensics_app.gui import i18n
    from forensics_app.gui.layout_check import problems
    from forensics_app.gui.models import entry_facts

    from .conftest import unlock, wait_until

    i18n.set_language("vi")
    window = make_window()
    window.resize(1366, 728)
    unlock(qtbot, window, seeded_vault)
    window.center_tabs.setCurrentIndex(1)
    custody = window.custody
    wait_until(qtbot, lambda: custody.model.rowCount() > 3)
    model = custody.model
    assert custody.table.currentIndex().row() == model.rowCount() - 1  # the latest entry, shown whole below
    assert custody.detail.toPlainText().startswith(f"Số: {model.row_at(model.rowCount() - 1).seq}\n")
    longest = max(range(model.rowCount()), key=lambda r: len(entry_facts(model.row_at(r))))
    custody.table.selectRow(longest)
    qtbot.wait(50)
    facts = entry_facts(model.row_at(longest))
    cell = model.index(longest, 5)
    assert custody.table.fontMetrics().horizontalAdvance(facts) > custody.table.visualRect(cell).width()  # cut …
    shown = custody.detail.toPlainText()
    assert f"Chi tiết: {facts}" in shown and "Hoạt động: " in shown and "(UTC)" in shown  # … and whole below
    assert custody.detail.verticalScrollBar().maximum() == 0  # without scrolling
    assert not [p for p in problems(window) if "custody" in p], problems(window)
    custody.detail.setPlainText("")  # a pane that does not show the entry: the check sees the cut field
    assert any("not whole in 'custodyDetail'" in p for p in problems(window))
