"""Screenshots of the app for the README, taken from a real run in a throw-away vault.

Run under Xvfb so the real platform plugin draws the windows::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m forensics_app.gui.screenshots docs/screenshots

(``make screenshots`` does this.) A local page is served on 127.0.0.1 and captured
with the real browser; the disk browser opens a DFTT image from ../shared/fixtures.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PASSPHRASE = "screenshots passphrase"
ROOT = Path(__file__).resolve().parents[2]
PAGE = ("<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Diễn đàn mẫu — bài đăng</title>"
        "<style>body{font-family:sans-serif;margin:0;background:#f4f6f8}header{background:#2b5d8a;color:#fff;"
        "padding:18px 32px;font-size:22px}article{background:#fff;margin:24px 32px;padding:20px 28px;"
        "border-radius:6px}h1{font-size:24px}p{line-height:1.6}</style></head><body><header>Diễn đàn mẫu</header>"
        "<article><h1>Thông tin sai sự thật về dịch bệnh (bài mẫu)</h1><p><b>Tài khoản:</b> nguoidung_mau "
        "· 14 giờ 05 phút ngày 30 tháng 11 năm 2026</p>"
        + "<p>Nội dung bài đăng mẫu dùng để minh hoạ việc thu thập trang web làm chứng cứ điện tử. "
          "Sample post used to illustrate a web capture.</p>" * 6
        + "</article></body></html>").encode("utf-8")


class _Page(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)


def _wait(app: Any, condition: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        app.processEvents()
        time.sleep(0.02)


def _save(widget: Any, path: Path, app: Any) -> None:
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    image = widget.grab().toImage()
    image.save(str(path), "PNG", 9)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


def _seed(root: Path, work: Path) -> None:
    """Evidence to look at: a folder of files (the capture and the image are added through the app)."""
    from evidence_store import Vault
    from forensics_app.services.files import add_files

    source = work / "USB thu giữ"
    (source / "tin nhắn").mkdir(parents=True)
    (source / "bài đăng đã lưu.txt").write_text("Bản lưu bài đăng vi phạm (mẫu).\n", "utf-8")
    (source / "tin nhắn" / "hội thoại 01.txt").write_text("Xin chào — hội thoại mẫu.\n" * 20, "utf-8")
    with Vault.create(root, PASSPHRASE, "Nguyễn Văn Kiểm", position="Điều tra viên",
                      agency="Công an tỉnh (mẫu)", unit="Phòng An ninh mạng (mẫu)") as vault:
        vault.set_setting("place", "Hà Nội")
        old = vault.create_case("VV-2026-007", "Lừa đảo chiếm đoạt tài sản qua mạng")
        add_files(vault, old.id, [source])
        vault.create_case("VV-2026-012", "Bài đăng sai sự thật về dịch bệnh")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Take the README screenshots.")
    parser.add_argument("out", type=Path, nargs="?", default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="forensics-shots-"))
    os.environ["FORENSICS_GUI_CONFIG"] = str(work / "gui.json")
    os.environ.setdefault("FORENSICS_KDF_PROFILE", "test")
    vault_dir = work / "vault"
    _seed(vault_dir, work)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    from PySide6.QtWidgets import QApplication

    from .app import build_window

    window: Any = build_window(vault_dir, "vi")
    app = QApplication.instance()
    window.resize(1360, 820)
    window.show()
    window.unlock_page.passphrase.setText(PASSPHRASE)
    window.unlock_page.unlock_button.click()
    _wait(app, lambda: window.session is not None and window.stack.currentWidget() is window.workspace)
    window.cases.select_case(next(c.id for c in window.cases.model.cases if c.number == "VV-2026-012"))

    # the capture dialog, as a user fills it
    dialog = window.open_task("web")
    dialog.urls.setPlainText(f"http://127.0.0.1:{server.server_port}/dien-dan/bai-dang/1024\n"
                             f"# http://127.0.0.1:{server.server_port}/dien-dan/bai-dang/1025")
    dialog.options_box.setChecked(True)
    dialog.options_form.widgets["allow_private_addresses"].setChecked(True)
    dialog.options_form.base = dialog.options_form.base.with_changes(ntp_server="127.0.0.1:9", ntp_timeout=1)
    dialog.resize(760, 720)
    _save(dialog, args.out / "capture-dialog.png", app)
    dialog.start_button.click()
    _wait(app, lambda: dialog.state in ("done", "failed", "cancelled"))
    dialog.close()
    reader = window.session.reader
    capture = next(iter(reader.list_items(kind="web_capture")), None)
    if capture is not None:
        shot = next((i for i in reader.list_items(parent_id=capture.id) if i.kind == "screenshot"), capture)
        window.go_to_item(shot.id)
        _wait(app, lambda: window.preview.content.currentWidget() is not window.preview.message)
    _save(window, args.out / "main-window.png", app)

    fixtures = ROOT.parent / "shared" / "fixtures" / "disk" / "dftt" / "6-undel-fat.zip"
    if fixtures.is_file():
        with zipfile.ZipFile(fixtures) as zipped:
            zipped.extractall(work / "dftt")
        image = next((work / "dftt").rglob("*.dd"))
        window.cases.select_case(next(c.id for c in window.cases.model.cases if c.number == "VV-2026-007"))
        adder = window.open_task("disk")
        adder.path.setText(str(image))
        adder.start_button.click()
        _wait(app, lambda: adder.state in ("done", "failed"))
        adder.close()
        if adder.state == "done":
            adder.open_browser()
            browser = window._dialogs["disk_browser"]
            browser.resize(1180, 720)
            _wait(app, lambda: browser.files.topLevelItemCount() > 3)
            for n in range(browser.files.topLevelItemCount()):
                row = browser.files.topLevelItem(n)
                if row.text(0) == "_ing.dat":
                    browser.files.setCurrentItem(row)
            _save(browser, args.out / "disk-browser.png", app)
            browser.close()

    window.set_language("en")
    _save(window, args.out / "main-window-en.png", app)
    window.session.close(30)
    window.session = None
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
