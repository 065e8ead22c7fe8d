"""The examiner completes a social record in the desktop app: from the preview of the record, a region drawn on
the screenshot with the mouse, or an element of the stored page picked from the ones that show the value."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from evidence_store import Vault
from tests.conftest import PASSPHRASE, assert_verifies_clean
from tests.social.captures import real_social_capture

from .conftest import unlock, wait_until


def test_annotate_from_the_preview_by_region_and_by_page_element(make_window: Callable[[], Any], qtbot: Any,
                                                                 tmp_path: Path, repo_fixtures: Path) -> None:
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from forensics_app.services.social import list_annotations

    root = tmp_path / "vault"
    with Vault.create(root, PASSPHRASE, "Nguyễn Văn Kiểm") as vault:
        _number, web, shot, _record = real_social_capture(vault, repo_fixtures / "social")
        record_id = next(c.id for c in vault.list_items(parent_id=web) if c.kind == "social_post")
    window = make_window()
    unlock(qtbot, window, root)
    window.go_to_item(record_id)
    preview = window.preview
    wait_until(qtbot, lambda: preview.detail is not None and preview.detail.item.id == record_id)
    assert preview.annotate_button.isVisible()
    dialog = preview.open_annotate()
    assert dialog is not None
    picker = dialog.picker
    wait_until(qtbot, lambda: picker._pixmap is not None)  # the screenshot was read and shown
    assert "Nintendo" in dialog.tool_value.text()  # what the tool read is shown beside the entry
    # drag a rectangle with the mouse: the region is recorded in the screenshot's own pixels
    start, end = picker.mapFromScene(100, 50), picker.mapFromScene(400, 120)
    QTest.mousePress(picker.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(picker.viewport(), QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2))
    QTest.mouseMove(picker.viewport(), end)
    QTest.mouseRelease(picker.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    wait_until(qtbot, lambda: picker.chosen is not None)
    x, y, w, h = picker.chosen
    assert abs(x - 100) <= 3 and abs(y - 50) <= 3 and abs(w - 300) <= 6 and abs(h - 70) <= 6
    dialog.field.setCurrentIndex(dialog.field.findData("author.name"))
    dialog.value.setText("Nintendo of America")
    dialog.save_button.click()
    assert "reason" in dialog.status.text().lower()  # nothing saved without a reason
    dialog.reason.setText("tên đầy đủ hiện trên ảnh chụp")
    saved: list[int] = []
    dialog.annotated.connect(saved.append)
    dialog.save_button.click()
    wait_until(qtbot, lambda: saved)
    # the page element route: the stored page's elements whose text holds the value
    dialog.field.setCurrentIndex(dialog.field.findData("text"))
    dialog.value.setText("Check out these themed wallpapers")
    dialog.reason.setText("đoạn đầu nội dung, chọn phần tử trên trang")
    dialog.places.setCurrentIndex(1)
    dialog.find_button.click()
    wait_until(qtbot, lambda: dialog.nodes.count() > 0)
    dialog.nodes.setCurrentRow(0)
    path = dialog.nodes.currentItem().data(Qt.ItemDataRole.UserRole)
    dialog.save_button.click()
    wait_until(qtbot, lambda: len(saved) == 2)
    dialog.close()
    session = window.session
    window.session = None
    session.close(timeout=30)
    with Vault.open(root, PASSPHRASE) as check:
        by_region, by_node = list_annotations(check, web)
        assert by_region["fields"] == [{"field": "author.name", "value": "Nintendo of America"}]
        assert by_region["where"]["screenshot_item"] == shot and by_region["where"]["region_px"] == {
            "x": x, "y": y, "w": w, "h": h}
        assert by_node["where"] == {"dom_path": path} and path.startswith("/html/body")
        viewed = [e.record for e in check.custody.entries() if e.record["action"] == "item.view"]
        assert any((e.get("item") or {}).get("id") == shot for e in viewed)  # the screenshot shown was logged
        assert_verifies_clean(check)
