"""Export an evidence package through the dialog; the prosecutor's checks pass on it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any


def test_export_package_of_selected_items(window: Any, qtbot: Any, tmp_path: Path) -> None:
    model = window.evidence.model
    row = next(r for r in range(model.rowCount()) if model.index(r, 2).data() == "bài đăng.txt")
    window.evidence.table.selectRow(row)
    assert window.act_package.isEnabled()
    dialog = window.open_task("package")
    dialog.start_button.click()
    assert "new folder" in dialog.message.text()
    assert dialog.selected_only.isEnabled()
    dialog.selected_only.setChecked(True)
    target = tmp_path / "goi-chung-cu"
    dialog.out.setText(str(target))
    with qtbot.waitSignal(dialog.ended, timeout=60_000) as ended:
        dialog.start_button.click()
    assert ended.args == ["done"], dialog.message.text()
    assert dialog.package is not None and dialog.package.items >= 1
    sums = next(target.rglob("SHA256SUMS"))
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=sums.parent, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "bài đăng.txt" in check.stdout
    reader = window.session.reader
    assert any(e.record["action"].startswith(("item.export", "package")) for e in reader.custody.entries())
