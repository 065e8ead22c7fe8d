"""End to end through the widgets and the real services: create a vault, open a case, capture a
page from a local site (real Chromium), see it in the preview, verify, generate a report and open it.
Also: cancelling a capture leaves the vault clean; the window never stalls during a capture."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from evidence_store import Vault
from tests.conftest import PASSPHRASE, assert_verifies_clean
from tests.gui.conftest import wait_until
from tests.gui.stall import StallMeter

pytestmark = pytest.mark.slow

PAGE = ("<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Bài đăng thử nghiệm</title></head>"
        "<body style='font-family: sans-serif'><h1>Bài đăng sai sự thật</h1>"
        + "<p>Nội dung bài đăng vi phạm, dùng để thử nghiệm thu thập. Offending post for the test.</p>" * 30
        + "</body></html>").encode("utf-8")


SLOW_REQUESTED = threading.Event()  # the browser is up and has asked for the slow page


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server name)
        if self.path.startswith("/slow"):
            SLOW_REQUESTED.set()
            time.sleep(20)  # long enough to be cancelled while loading
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        try:
            self.wfile.write(PAGE)
        except OSError:
            pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _local_site_options(dialog: Any) -> None:
    """The examiner's explicit choice to let the page reach this machine (the test site is on loopback)."""
    form = dialog.options_form
    dialog.options_box.setChecked(True)
    form.widgets["allow_private_addresses"].setChecked(True)
    form.widgets["page_timeout"].setValue(40)
    form.widgets["scroll_time_limit"].setValue(3)
    form.base = form.base.with_changes(ntp_server="127.0.0.1:9", ntp_timeout=1, load_timeout=8, idle_timeout=3)


def test_capture_preview_verify_report(make_window: Any, qtbot: Any, tmp_path: Path, site: str) -> None:
    window = make_window()
    window.show_start()
    # a new vault, through the form
    window.create_vault()
    form = window._dialogs["create"]
    form.location.setText(str(tmp_path / "vault"))
    form.passphrase.setText(PASSPHRASE)
    form.confirm.setText(PASSPHRASE)
    form.examiner.setText("Nguyễn Văn Kiểm")
    form.buttons.accepted.emit()
    wait_until(qtbot, lambda: window.session is not None and window.stack.currentWidget() is window.workspace)
    # a case
    window.act_new_case.trigger()
    case_form = window._dialogs["case"]
    case_form.number.setText("VV-2026-101")
    case_form.title.setText("Bài đăng sai sự thật")
    case_form._check()
    wait_until(qtbot, lambda: window.current_case_id() is not None)
    assert window.act_web.isEnabled()

    # capture, measuring the event loop's longest stall meanwhile
    dialog = window.open_task("web")
    dialog.urls.setPlainText(site + "/bai-dang")
    _local_site_options(dialog)
    # The window must never block for long. This machine is shared (2 cores): the meter leaves out the time
    # our threads waited for a core (tests/gui/stall.py); a stall over the bound is measured once more on a
    # second capture of the same page (a stall of our own making shows in both).
    stalls = []
    for _attempt in range(2):
        meter = StallMeter()
        meter.start()
        with qtbot.waitSignal(dialog.ended, timeout=120_000) as ended:
            dialog.start_button.click()
        meter.stop()
        assert ended.args == ["done"], dialog.message.text()
        assert dialog.message.text().startswith("1 of 1 pages captured.")
        stalls.append(meter)
        if meter.own_longest < 0.5:
            break
    print(f"\nlongest event-loop stall during the capture: {', '.join(m.describe() for m in stalls)}")
    assert min(m.own_longest for m in stalls) < 0.5, f"the event loop stalled during each capture: {stalls[-1].describe()}"

    # the capture is selected; its parts are listed; the screenshot shows in the image viewer
    capture = window.preview.detail.item
    assert capture.kind == "web_capture"
    kinds = {window.preview.child_list.item(n).text() for n in range(window.preview.child_list.count())}
    assert any(text.endswith("Full-page screenshot (screenshot-full.png)") for text in kinds)  # the part, then its file
    assert any(window.preview.metadata.topLevelItem(n).text(0) == "provenance"
               for n in range(window.preview.metadata.topLevelItemCount()))
    reader: Vault = window.session.reader
    screenshot = next(i for i in reader.list_items(parent_id=capture.id) if i.kind == "screenshot")
    window.go_to_item(screenshot.id)
    wait_until(qtbot, lambda: window.preview.content.currentWidget() is window.preview.image)
    assert window.preview.image.image_size[0] >= 800
    text_item = next(i for i in reader.list_items(parent_id=capture.id) if i.kind == "page_text")
    window.go_to_item(text_item.id)
    wait_until(qtbot, lambda: "Bài đăng sai sự thật" in window.preview.text.toPlainText())

    # verify through the dialog
    verify = window.open_task("verify")
    with qtbot.waitSignal(verify.ended, timeout=60_000):
        verify.start_button.click()
    assert "Integrity verified" in verify.message.text()

    # a court report, opened in the preview (QtPdf)
    report = window.open_task("report")
    report.out.setText(str(tmp_path / "bao-cao.pdf"))
    report.language.setCurrentIndex(report.language.findData("vi"))
    with qtbot.waitSignal(report.ended, timeout=120_000) as ended:
        report.start_button.click()
    assert ended.args == ["done"], report.message.text()
    assert (tmp_path / "bao-cao.pdf").read_bytes().startswith(b"%PDF")
    assert window.preview.detail.item.kind == "report"
    wait_until(qtbot, lambda: window.preview.content.currentWidget() is window.preview.pdf, timeout=30)
    assert window.preview.pdf.page_count >= 1
    window.session.close()
    window.session = None
    with Vault.open(tmp_path / "vault", PASSPHRASE) as vault:
        assert_verifies_clean(vault)


def test_cancel_during_capture_leaves_the_vault_clean(window: Any, qtbot: Any, site: str,
                                                      seeded_vault: Path) -> None:
    before = len(window.session.reader.list_items())
    dialog = window.open_task("web")
    dialog.urls.setPlainText(site + "/slow")
    _local_site_options(dialog)
    SLOW_REQUESTED.clear()
    dialog.start_button.click()
    wait_until(qtbot, lambda: window.session.tasks.current is dialog.job)
    wait_until(qtbot, SLOW_REQUESTED.is_set, timeout=60)  # the browser is up and waiting for the page
    started = time.monotonic()
    with qtbot.waitSignal(dialog.ended, timeout=60_000) as ended:
        dialog.cancel_button.click()
    assert ended.args == ["cancelled"]
    assert time.monotonic() - started < 15
    assert "nothing half-written" in dialog.status.text()
    reader: Vault = window.session.reader
    assert len(reader.list_items()) == before
    assert reader.list_items(kind="web_capture") == []
    assert not list((seeded_vault / "tmp").iterdir())
    # the window keeps working afterwards
    assert window.evidence.model.rowCount() == before
