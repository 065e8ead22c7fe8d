"""Add a disk image, browse it (deleted entries marked), extract a deleted file into the case."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import wait_until


@pytest.fixture
def fat_image(shared_fixtures: Path, tmp_path: Path) -> Path:
    """DFTT #6: a small FAT16 image with deleted files (read-only source)."""
    with zipfile.ZipFile(shared_fixtures / "disk" / "dftt" / "6-undel-fat.zip") as zipped:
        zipped.extractall(tmp_path / "dftt")
    image = next((tmp_path / "dftt").rglob("*.dd"))
    image.chmod(0o444)
    return image


def test_add_image_browse_and_extract_a_deleted_file(window: Any, qtbot: Any, fat_image: Path) -> None:
    import hashlib

    before = fat_image.read_bytes()
    assert window.act_disk.isEnabled()
    dialog = window.open_task("disk")
    dialog.path.setText(str(fat_image))
    with qtbot.waitSignal(dialog.ended, timeout=30000) as ended:
        dialog.start_button.click()
    assert ended.args == ["done"], dialog.message.text()
    assert dialog.added.hashes["sha256"] == hashlib.sha256(before).hexdigest()
    assert window.preview.detail.item.kind == "disk_image"
    assert window.act_browse_disk.isEnabled()

    dialog.browse_button.click()
    browser = window._dialogs["disk_browser"]
    wait_until(qtbot, lambda: browser.tree.topLevelItemCount() == 1 and browser.files.topLevelItemCount() > 3)
    assert "fat16" in browser.tree.topLevelItem(0).text(0)
    rows = {browser.files.topLevelItem(n).text(0): browser.files.topLevelItem(n)
            for n in range(browser.files.topLevelItemCount())}
    deleted = rows["_ing.dat"]
    assert deleted.text(3) == "deleted" and deleted.foreground(0).color().name() == "#b3261e"
    assert deleted.text(5) == "exact"
    assert rows["_rag1.dat"].text(5) == "possibly incomplete"
    browser.files.setCurrentItem(deleted)
    assert '"inode": 6' in browser.details.toPlainText()
    deleted.setSelected(True)
    with qtbot.waitSignal(browser.ended, timeout=30000) as ended:
        browser.start_button.click()
    assert ended.args == ["done"], browser.message.text()
    assert "1 files extracted" in browser.message.text()
    item = window.preview.detail.item
    assert item.kind == "extracted_file" and item.name == "_ing.dat"
    assert item.metadata["locator"]["inode"] == 6
    assert window.preview.detail.parent.kind == "disk_image"
    # the deleted directory shows up in the tree, marked
    root = browser.tree.topLevelItem(0)
    names = {root.child(n).text(0): root.child(n) for n in range(root.childCount())}
    assert "_ir1" in names and names["_ir1"].foreground(0).color().name() == "#b3261e"
    browser.close()
    assert fat_image.read_bytes() == before  # the source was never modified
    assert window.evidence.model.rowCount() == 5 + 2
    assert window.evidence.table.horizontalHeader().sortIndicatorSection() == 0
    assert Qt.SortOrder.AscendingOrder == window.evidence.table.horizontalHeader().sortIndicatorOrder()


def test_browser_previews_a_file_inside_the_image_and_logs_it(window: Any, qtbot: Any, fat_image: Path) -> None:
    """Preview without extracting: the content read from the image, shown, and the look in the custody log."""
    import subprocess

    dialog = window.open_task("disk")
    dialog.path.setText(str(fat_image))
    with qtbot.waitSignal(dialog.ended, timeout=30000):
        dialog.start_button.click()
    image_item = dialog.added.item.id
    dialog.browse_button.click()
    browser = window._dialogs["disk_browser"]
    wait_until(qtbot, lambda: browser.files.topLevelItemCount() > 3)
    rows = {browser.files.topLevelItem(n).text(0): browser.files.topLevelItem(n)
            for n in range(browser.files.topLevelItemCount())}
    browser.files.setCurrentItem(rows["_ing.dat"])  # deleted, one cluster: recovered exactly
    browser.preview_button.click()
    wait_until(qtbot, lambda: browser.look.shown_kind != "")
    expected = subprocess.run(["icat", str(fat_image), "6"], capture_output=True, check=True, timeout=60).stdout
    shown = browser.look.viewer(browser.look.shown_kind)
    if browser.look.shown_kind == "text":
        assert shown.toPlainText() == expected.decode("utf-8", "replace")
    else:
        assert shown.toPlainText().startswith("00000000  " + " ".join(f"{b:02x}" for b in expected[:16]))
    assert "_ing.dat" in browser.look.facts.text() and "exact" in browser.look.facts.text()
    wait_until(qtbot, lambda: browser.look.status.text() != "")
    assert "custody log" in browser.look.status.text() and "NOT" not in browser.look.status.text()
    views = [e for e in window.session.reader.custody.entries(item_id=image_item) if e.record["action"] == "item.view"]
    assert views and views[-1].record["details"]["path"] == "/_ing.dat"
    assert views[-1].record["details"]["bytes_read"] == len(expected)
    browser.close()
