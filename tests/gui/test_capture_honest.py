"""A capture that collects nothing says so, in the user's language, and leads to the option that would allow it.

Real Chromium against a page served on 127.0.0.1: refused at first (a page may not reach this machine), then
captured once the examiner allows local addresses. The two runs are separate batches in the custody log.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import wait_until

pytest.importorskip("playwright")
pytestmark = pytest.mark.slow

PAGE = "<!doctype html><meta charset='utf-8'><title>Trang thử</title><h1>Trang thử nghiệm</h1>".encode()


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    from forensics_app.gui.screenshots import serving

    with serving(PAGE) as address:
        yield address + "/bai-dang"


def _run(qtbot: Any, dialog: Any) -> None:
    dialog.start_button.click()
    wait_until(qtbot, lambda: dialog.state in ("done", "failed", "cancelled"), timeout=180)


def test_nothing_captured_ends_red_with_the_reason_in_vietnamese_and_the_option(window: Any, qtbot: Any,
                                                                               site: str) -> None:
    from PySide6.QtWidgets import QApplication

    from forensics_app.gui import i18n

    i18n.set_language("vi")
    dialog = window.open_task("web")
    dialog.urls.setPlainText(site)
    form = dialog.options_form
    form.base = form.base.with_changes(ntp_server="127.0.0.1:9", ntp_timeout=1, load_timeout=8, idle_timeout=3)
    _run(qtbot, dialog)
    assert dialog.state == "done"
    assert dialog.message.text() == "Đã thu thập 0/1 trang."
    assert dialog.message.property("role") == "error" and dialog.status.property("role") == "error"
    assert dialog.status.text() == "Không thu thập được trang nào: xem lý do của từng trang trong danh sách ở trên."
    assert not dialog.progress.isVisible()  # no "100 % done" over a run that collected nothing
    line = dialog.outcomes.item(0).text()
    assert line.startswith("Không thu thập được: " + site) and "địa chỉ nội bộ" in line
    assert "--" not in line and "resolves to" not in line  # the user's language, no command-line flag
    assert dialog.remedy_button.isVisible()
    assert dialog.remedy_button.text() == "Mở tuỳ chọn: Cho phép trang truy cập địa chỉ nội bộ"
    dialog.remedy_button.click()
    checkbox = form.widgets["allow_private_addresses"]
    assert dialog.options_box.isChecked() and dialog.options_scroll.isVisible()
    wait_until(qtbot, lambda: QApplication.focusWidget() is checkbox or checkbox.hasFocus(), timeout=5)
    assert not checkbox.isChecked()  # the examiner decides; nothing is allowed behind their back

    checkbox.setChecked(True)
    _run(qtbot, dialog)
    assert dialog.message.text().startswith("Đã thu thập 1/1 trang.")
    assert dialog.message.property("role") == "ok" and not dialog.remedy_button.isVisible()

    runs = [e.record["details"] for e in window.session.reader.custody.entries()
            if e.record["action"] == "web.capture_batch"]
    assert len(runs) == 2
    refused, captured = runs
    assert refused["failed"] and not refused["captured"] and captured["captured"] and not captured["failed"]
    assert refused["batch"] != captured["batch"]  # another option, another batch: not a resumed one
    assert refused["run"] != captured["run"]
    i18n.set_language("en")
