"""The workspace driven through its widgets: cases, files, table, preview, custody, export, verify."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from evidence_store import Vault, WrongPassphraseError
from forensics_app.gui.i18n import tr
from tests.conftest import PASSPHRASE
from tests.gui.conftest import answer_next_question, error_boxes, wait_until


def _select_row_named(window: Any, name: str) -> int:
    model = window.evidence.model
    for row in range(model.rowCount()):
        if model.index(row, 2).data() == name:
            window.evidence.table.selectRow(row)
            return int(model.row_at(row).id)
    raise AssertionError(f"{name} not in the table")


def test_new_case_edit_and_close(window: Any, qtbot: Any) -> None:
    window.act_new_case.trigger()
    dialog = window._dialogs["case"]
    assert dialog.agency.text() == "Công an tỉnh Thử Nghiệm"  # from the vault's settings
    dialog.number.setText("VV-2026-002")
    dialog._check()
    assert "number and a title" in dialog.message.text()
    dialog.title.setText("Lừa đảo trực tuyến")
    dialog._check()
    wait_until(qtbot, lambda: window.cases.model.rowCount() == 2 and window.current_case_id() is not None
               and window.session.reader.get_case(window.current_case_id()).number == "VV-2026-002")
    assert window.evidence.model.rowCount() == 0
    assert window.act_files.isEnabled()
    window.act_edit_case.trigger()
    edit = window._dialogs["case"]
    assert edit.number.isReadOnly()
    assert edit.members.text() == "Nguyễn Văn Kiểm (lead)"  # who may see the case (issue 17's case access)
    edit.title.setText("Lừa đảo trực tuyến (sửa)")
    edit._check()
    wait_until(qtbot, lambda: "(sửa)" in window.cases.model.index(
        window.cases.model.row_of(window.current_case_id())).data())
    answer_next_question(qtbot, yes=True)
    window.act_close_case.trigger()
    wait_until(qtbot, lambda: window.cases.current_status() == "closed")
    assert not window.act_files.isEnabled() and window.act_close_case.text() == "Reopen case"
    entries = [window.custody.model.index(r, 3).data() for r in range(window.custody.model.rowCount())]
    assert entries == ["Case opened", "Case edited", "Case closed"]


def test_add_files_preview_hashes_and_custody(window: Any, qtbot: Any, tmp_path: Path) -> None:
    source = tmp_path / "more"
    source.mkdir()
    text = "Ghi chú điều tra — investigation note\n" * 20
    (source / "ghi chú.txt").write_text(text, "utf-8")
    from PySide6.QtGui import QColor, QImage

    image = QImage(64, 40, QImage.Format.Format_RGB32)
    image.fill(QColor("#1f5f8b"))
    image.save(str(source / "ảnh.png"))
    window.act_files.trigger()
    dialog = window._dialogs["files"]
    assert "VV-2026-001" in dialog.case_label.text()
    dialog.start_button.click()
    assert "at least one" in dialog.message.text()
    dialog.add_path(source)
    dialog.md5.setChecked(True)
    before = window.evidence.model.rowCount()
    with qtbot.waitSignal(dialog.ended, timeout=20000) as ended:
        dialog.start_button.click()
    assert ended.args == ["done"]
    assert "3 items acquired" in dialog.message.text()
    wait_until(qtbot, lambda: window.evidence.model.rowCount() == before + 3)

    # the text file: preview, full hashes with copy buttons, MD5 as asked
    item_id = _select_row_named(window, "ghi chú.txt")
    wait_until(qtbot, lambda: window.preview.content.currentWidget() is window.preview.text)
    assert window.preview.text.toPlainText() == text
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert window.preview.hashes["sha256"].edit.text() == expected
    assert window.preview.hashes["md5"].edit.text() == hashlib.md5(text.encode("utf-8")).hexdigest()
    window.preview.hashes["sha256"].copy.click()
    assert QGuiApplication.clipboard().text() == expected
    assert window.preview.fields["acquired"].text().split("\n")[0].endswith("UTC+07:00 (Viet Nam time)")
    assert window.preview.child_list.count() == 0 and window.preview.parent_link.count() == 1

    # viewing is logged once in the custody log
    wait_until(qtbot, lambda: any(
        window.custody.model.row_at(r).action == "item.view" and window.custody.model.row_at(r).item_id == item_id
        for r in range(window.custody.model.rowCount())))

    # the image: decoded and fitted
    _select_row_named(window, "ảnh.png")
    wait_until(qtbot, lambda: window.preview.content.currentWidget() is window.preview.image)
    assert window.preview.image.image_size == (64, 40)

    # the folder: no content of its own, its children listed
    _select_row_named(window, "more")
    wait_until(qtbot, lambda: window.preview.child_list.count() == 2)
    assert window.preview.content.currentWidget() is window.preview.message


def test_search_kind_filter_and_sort(window: Any, qtbot: Any) -> None:
    view = window.evidence
    total = view.model.rowCount()
    assert total == 5  # seized/, tin nhắn/, 3 files
    view.search.setText("hội thoại")
    wait_until(qtbot, lambda: view.model.rowCount() == 1)
    assert view.model.index(0, 2).data() == "hội thoại.txt"
    assert view.count.text() == "1 items"
    view.search.clear()
    wait_until(qtbot, lambda: view.model.rowCount() == total)
    assert view.kind.count() == 1 and view.kind.stale  # the case's kinds are counted when the list opens
    view.kind.showPopup()
    assert [view.kind.itemText(n) for n in range(view.kind.count())] == ["All kinds", "File (3)", "Folder (2)"]
    view.kind.hidePopup()
    view.kind.setCurrentIndex(view.kind.findData("folder"))
    assert view.model.rowCount() == 2
    window.evidence_changed()  # new evidence while filtering on a kind: listed again at once, the filter kept
    assert not view.kind.stale and view.kind.currentData() == "folder" and view.model.rowCount() == 2
    view.kind.setCurrentIndex(0)
    view.roots.setChecked(True)
    assert view.model.rowCount() == 1
    view.roots.setChecked(False)
    view.table.sortByColumn(5, Qt.SortOrder.DescendingOrder)  # size
    assert view.model.index(0, 2).data() == "data.bin"
    view.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # name
    names = [view.model.index(r, 2).data() for r in range(view.model.rowCount())]
    assert names == sorted(names, key=str.lower)


def test_export_selected_items(window: Any, qtbot: Any, tmp_path: Path) -> None:
    item_id = _select_row_named(window, "bài đăng.txt")
    window.act_export_items.trigger()
    dialog = window._dialogs["export_items"]
    dialog.start_button.click()
    assert "destination" in dialog.message.text()
    dialog.set_target(tmp_path / "out")
    with qtbot.waitSignal(dialog.ended, timeout=10000):
        dialog.start_button.click()
    written = tmp_path / "out" / "bài đăng.txt"
    assert written.read_text("utf-8").startswith("Nội dung bài đăng")
    actions = [e.record["action"] for e in window.session.reader.custody.entries(item_id=item_id)]
    assert actions.count("item.export") == 1  # (the preview's "viewed" entry may land before or after it)


def test_checkpoint_dialog_shows_a_signed_checkpoint(window: Any, qtbot: Any) -> None:
    window.act_checkpoint.trigger()
    wait_until(qtbot, lambda: "checkpoint" in window._dialogs)
    text = window._dialogs["checkpoint"].text.toPlainText()
    assert text.startswith("forensics.vault/") and "—" in text


def test_verify_lists_every_problem_and_opens_its_item(window: Any, qtbot: Any) -> None:
    window.act_verify.trigger()
    dialog = window._dialogs["verify"]
    with qtbot.waitSignal(dialog.ended, timeout=20000):
        dialog.start_button.click()
    assert "Integrity verified" in dialog.message.text() and dialog.problems.isHidden()
    # damage one stored blob on disk, as a failing disk or a tamperer would
    reader: Vault = window.session.reader
    item = next(i for i in reader.list_items() if i.name == "data.bin")
    path = reader.blobs.path_for(item.blob)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    os.chmod(path, 0o600)
    path.write_bytes(bytes(data))
    with qtbot.waitSignal(dialog.ended, timeout=20000):
        dialog.start_button.click()
    assert "problems found" in dialog.message.text()
    assert dialog.problems.count() >= 1
    entry = next(dialog.problems.item(n) for n in range(dialog.problems.count())
                 if dialog.problems.item(n).data(Qt.ItemDataRole.UserRole) == item.id)
    window.center_tabs.setCurrentIndex(1)
    dialog.problems.itemActivated.emit(entry)
    assert window.evidence.current_item_id() == item.id
    assert window.center_tabs.currentWidget() is window.evidence
    # put the byte back so the vault verifies clean at teardown
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_errors_are_dialogs_not_tracebacks(window: Any, qtbot: Any, tmp_path: Path) -> None:
    window.act_files.trigger()
    dialog = window._dialogs["files"]
    dialog.add_path(tmp_path / "does-not-exist")
    with qtbot.waitSignal(dialog.ended, timeout=10000) as ended:
        dialog.start_button.click()
    assert ended.args == ["failed"]
    assert "does-not-exist" in dialog.message.text() and "Traceback" not in dialog.message.text()
    # the same failure with the dialog closed becomes an error dialog over the window
    dialog.close()
    dialog.paths.clear()
    dialog.add_path(tmp_path / "still-missing")
    dialog.start()
    wait_until(qtbot, lambda: error_boxes())
    assert "still-missing" in error_boxes()[-1].text()
    error_boxes()[-1].accept()


def test_examiners_and_key_slots(window: Any, qtbot: Any, seeded_vault: Path) -> None:
    window.act_examiners.trigger()
    people = window._dialogs["examiners"]
    me = window.session.examiner
    assert me in people.acting.text() and me in window.examiner_label.text()
    people.name.setText("Lê Văn Hai")
    people.passphrase.setText("mật khẩu của Hai")
    people.confirm.setText("mật khẩu của Hai khác")
    people._add()
    assert people.message.text() == tr("create.mismatch")
    people.confirm.setText("mật khẩu của Hai")
    people._add()
    wait_until(qtbot, lambda: people.table.rowCount() == 2)
    fingerprint = people.table.item(1, 4).text()
    assert fingerprint.startswith("ed25519:") and window.session.examiner == me  # adding someone is not becoming them
    window.act_slots.trigger()
    slots = window._dialogs["slots"]
    slots.label.setText("dự phòng")
    slots.passphrase.setText("mật khẩu thứ hai")
    slots.confirm.setText("mật khẩu thứ hai")
    slots._new_passphrase(add=True)
    wait_until(qtbot, lambda: slots.table.rowCount() == 3)
    with Vault.open(seeded_vault, "mật khẩu thứ hai") as second:  # a second passphrase of the same examiner
        assert second.examiner.name == me
    with Vault.open(seeded_vault, "mật khẩu của Hai") as hai:  # Hai's own passphrase signs as Hai, with Hai's key
        assert hai.examiner.name == "Lê Văn Hai" and hai.examiner.fingerprint == fingerprint
    people.table.selectRow(1)
    answer_next_question(qtbot, True)
    people._remove()
    wait_until(qtbot, lambda: people.table.item(1, 3).text() == tr("examiners.status.removed"))
    with pytest.raises(WrongPassphraseError):
        Vault.open(seeded_vault, "mật khẩu của Hai")


def test_settings_change_zone_and_idle(window: Any, qtbot: Any) -> None:
    window.act_settings.trigger()
    dialog = window._dialogs["settings"]
    dialog.zone.setCurrentText("Mars/Olympus")
    dialog.save()
    assert "Unknown time zone" in dialog.message.text()
    dialog.zone.setCurrentText("Europe/Paris")
    dialog.tsa.setPlainText("ftp://nope")
    dialog.save()
    assert "Not an http" in dialog.message.text()
    dialog.tsa.setPlainText("http://127.0.0.1:9/tsa")
    dialog.edits["place"].setText("Hà Nội")
    dialog.idle.setValue(5)
    dialog.save()
    wait_until(qtbot, lambda: window.zone == "Europe/Paris")
    assert window.idle.limit == 300
    reader = window.session.reader
    assert reader.get_setting("place") == "Hà Nội" and reader.get_setting("tsa_urls") == ["http://127.0.0.1:9/tsa"]
    cell = window.evidence.model.index(0, 4).data()
    assert cell.endswith(("UTC+01:00", "UTC+02:00"))
    changes = [e.record["details"]["key"] for e in reader.custody.entries() if e.record["action"] == "settings.change"]
    assert {"timezone", "place", "tsa_urls", "idle_lock_minutes"} <= set(changes)
    # the language switch inside the settings dialog applies at once
    dialog = window.open_dialog("settings")
    dialog.language.setCurrentIndex(0)
    assert window.act_new_case.text() == "Vụ việc mới…" and dialog.windowTitle() == "Cài đặt"
    window.set_language("en")


def test_about_lists_versions(window: Any) -> None:
    dialog = window.open_dialog("about")
    text = dialog.versions.toPlainText()
    assert "forensics-toolkit" in text and "Qt:" in text and "SQLCipher:" in text and "code SHA-256" in text


def test_shortcuts_reach_the_main_actions(window: Any) -> None:
    shortcuts = {a.objectName(): a.shortcut().toString() for a in window.actions()}
    assert shortcuts["action_new_case"] == "Ctrl+N"
    assert shortcuts["action_files"] == "Ctrl+I"
    assert shortcuts["action_lock"] == "Ctrl+L"
    assert shortcuts["action_verify"] == "Ctrl+Shift+V"
    assert shortcuts["action_web"] == "Ctrl+U" and shortcuts["action_disk"] == "Ctrl+D"
    assert shortcuts["action_report"] == "Ctrl+R" and shortcuts["action_search"] == "Ctrl+F"


def test_closing_during_a_task_asks_then_cancels_cleanly(window: Any, qtbot: Any, tmp_path: Path,
                                                         seeded_vault: Path) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(1024 * 1024 * 1024)  # sparse: reading it takes a few seconds
    before = len(window.session.reader.list_items())
    window.act_files.trigger()
    dialog = window._dialogs["files"]
    dialog.add_path(big)
    dialog.start_button.click()
    wait_until(qtbot, lambda: window.tasks.last_progress)  # bytes are flowing
    assert window.job_bar.isVisible() and window.job_cancel.isVisible()
    answer_next_question(qtbot, yes=False)
    assert not window.close()  # "No": the window and the task stay
    assert window.isVisible() and window.session is not None and window.session.tasks.busy
    answer_next_question(qtbot, yes=True)
    assert window.close()
    assert window.session is None
    with Vault.open(seeded_vault, PASSPHRASE) as vault:
        assert len(vault.list_items()) == before  # the cancelled ingest left nothing
    assert not list((seeded_vault / "tmp").iterdir())


def test_the_window_stays_responsive_during_a_long_ingest(window: Any, qtbot: Any, tmp_path: Path) -> None:
    """Longest event-loop stall while 150 MiB are acquired and the user browses.

    This machine is shared (2 cores): the meter leaves out the time our threads waited for a core
    (tests/gui/stall.py), and a stall of our own making shows in every run, so the best of three runs is
    held to the 200 ms goal.
    """
    from tests.gui.stall import StallMeter

    stalls = []
    for attempt in range(3):
        folder = tmp_path / f"many-{attempt}"
        folder.mkdir()
        for n in range(300):
            (folder / f"tệp {n:03d}.bin").write_bytes(os.urandom(64 * 1024) * 8)  # 512 KiB each, 150 MiB
        window.act_files.trigger()
        dialog = window._dialogs["files"]
        dialog.paths.clear()
        dialog.add_path(folder)
        meter = StallMeter()
        meter.start()
        with qtbot.waitSignal(dialog.ended, timeout=120_000) as ended:
            dialog.start_button.click()
            for _ in range(20):  # the user keeps browsing while the ingest runs
                window.evidence.table.selectRow(0)
                window.evidence.table.selectRow(2)
                qtbot.wait(20)
        meter.stop()
        assert ended.args == ["done"]
        stalls.append(meter)
        if meter.own_longest < 0.2:
            break
    print(f"\nlongest event-loop stall during a 150 MiB ingest: {', '.join(m.describe() for m in stalls)}")
    assert min(m.own_longest for m in stalls) < 0.2, f"the event loop stalled: {stalls[-1].describe()}"


def test_default_capture_options_in_settings_reach_the_capture_dialog(window: Any, qtbot: Any) -> None:
    dialog = window.open_dialog("settings")
    assert dialog.capture_form is not None
    dialog.capture_form.widgets["video"].setChecked(True)
    dialog.capture_form.widgets["page_timeout"].setValue(90)
    dialog.save()
    wait_until(qtbot, lambda: window.session.reader.get_setting("capture_defaults"))
    assert window.session.reader.get_setting("capture_defaults") == {"video": True, "page_timeout": 90}
    capture = window.open_task("web")
    assert capture.options_form.widgets["video"].isChecked()
    assert capture.options_form.widgets["page_timeout"].value() == 90


def test_details_tab_opened_before_any_item_then_filled(window: Any, qtbot: Any) -> None:
    """The details, provenance and related tabs are built on demand: empty until an item is chosen, then filled."""
    assert window.preview.detail is None
    window.preview.tabs.setCurrentIndex(1)
    assert window.preview.tabs.currentWidget().isVisible()
    assert all(not label.text() for label in window.preview.fields.values())
    assert not any(field.isVisible() for field in window.preview.hashes.values())
    _select_row_named(window, "bài đăng.txt")
    wait_until(qtbot, lambda: window.preview.fields["name"].text() == "bài đăng.txt")
    assert window.preview.hashes["sha256"].edit.text() == window.preview.detail.item.sha256
    window.preview.tabs.setCurrentIndex(2)
    assert window.preview.metadata.topLevelItemCount() > 0


def test_a_prosecutor_verifies_a_package_pinned_or_not(window: Any, qtbot: Any, tmp_path: Path) -> None:
    """The package dialog says VERIFIED only against the trust file given; without one, origin not verified."""
    from forensics_app.services.export import export_package
    from forensics_app.services.trust import export_trust, write_trust

    reader = window.session.reader
    case = reader.list_cases()[0]
    with reader.sibling() as vault:
        package = export_package(vault, case.number, tmp_path / "goi").path
        trust = write_trust(export_trust(vault), tmp_path / "trust.json")
    dialog = window.open_dialog("check_package")
    dialog.package.setText(str(package))
    dialog.run()
    wait_until(qtbot, lambda: dialog.check is not None)
    assert dialog.check.verdict == "origin_not_verified" and tr("checkpkg.unpinned", files=dialog.check.files,
                                                                 items=dialog.check.items) == dialog.verdict.text()
    dialog.check = None
    dialog.trust_file.setText(str(trust))
    dialog.run()
    wait_until(qtbot, lambda: dialog.check is not None)
    assert dialog.check.verdict == "verified" and window.session.examiner in dialog.verdict.text()
    (package / "manifest.json").write_text("{}", "utf-8")
    dialog.check = None
    dialog.run()
    wait_until(qtbot, lambda: dialog.check is not None)
    assert dialog.check.verdict == "problems" and dialog.findings.count() > 0
