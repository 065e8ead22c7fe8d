"""The walk a new investigator makes, as screenshots, in Vietnamese: ``make screenshots``.

Create a vault → open a case → capture a page (refused at first, since it is on
this machine, then allowed) → look at it (content and provenance) → add a file →
verify → generate the court report (and its first page) → switch the language →
lock and unlock. Every screen is checked with :mod:`.layout_check` (nothing
overlapping, nothing cut); a problem is printed and makes the run fail. Run
under Xvfb at 1366×768 so the real platform plugin draws the windows::

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python -m forensics_app.gui.screenshots docs/screenshots
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PASSPHRASE = "screenshots passphrase"
ROOT = Path(__file__).resolve().parents[2]
SCREEN = (1366, 768)
TASKBAR = 40
PAGE = ("<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Diễn đàn mẫu — bài đăng</title>"
        "<style>body{font-family:sans-serif;margin:0;background:#f4f6f8}header{background:#2b5d8a;color:#fff;"
        "padding:18px 32px;font-size:22px}article{background:#fff;margin:24px 32px;padding:20px 28px;"
        "border-radius:6px}h1{font-size:24px}p{line-height:1.6}</style></head><body><header>Diễn đàn mẫu</header>"
        "<article><h1>Thông tin sai sự thật về dịch bệnh (bài mẫu)</h1><p><b>Tài khoản:</b> nguoidung_mau "
        "· 14 giờ 05 phút ngày 30 tháng 11 năm 2026</p>"
        + "<p>Nội dung bài đăng mẫu dùng để minh hoạ việc thu thập trang web làm chứng cứ điện tử.</p>" * 6
        + "</article></body></html>").encode("utf-8")


@contextmanager
def serving(page: bytes) -> Iterator[str]:
    """``page`` served as UTF-8 HTML at every path on 127.0.0.1 (the walk's sample site, and its tests'):
    yields the site's address, ``http://127.0.0.1:PORT``."""

    class Page(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


class WalkFailed(RuntimeError):
    """A step of the walk did not end as a user would expect."""


class Walk:
    """Drives the app like a user and keeps a screenshot (and a layout check) of each step."""

    def __init__(self, out: Path, app: Any) -> None:
        self.out, self.app = out, app
        self.problems: list[str] = []
        self.count = 0
        self.started = time.monotonic()

    def spin(self, seconds: float = 0.3) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.app.processEvents()
            time.sleep(0.01)

    def wait(self, condition: Callable[[], bool], timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the app did not get there in time")
            self.app.processEvents()
            time.sleep(0.02)

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            raise WalkFailed(what)

    def shot(self, widget: Any, name: str) -> Path:
        from .layout_check import problems

        self.spin()
        self.count += 1
        path = self.out / f"{self.count:02d}-{name}.png"
        save_png(widget.grab().toImage(), path)
        found = problems(widget, (SCREEN[0], SCREEN[1] - TASKBAR))
        self.problems += [f"{path.name}: {p}" for p in found]
        note = f", {len(found)} problem(s)" if found else ""
        print(f"{time.monotonic() - self.started:6.1f} s  wrote {path} ({path.stat().st_size // 1024} KiB){note}")
        return path


def save_png(image: Any, path: Path) -> None:
    """A small PNG: the screenshot reduced to 256 colours (text stays sharp; the repository stays light)."""
    image.save(str(path), "PNG", 9)
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as shot:
        small = shot.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Take the walk's screenshots (in Vietnamese).")
    parser.add_argument("out", type=Path, nargs="?", default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.png"):
        old.unlink()
    work = Path(tempfile.mkdtemp(prefix="forensics-walk-"))
    os.environ["FORENSICS_GUI_CONFIG"] = str(work / "gui.json")
    os.environ.setdefault("FORENSICS_KDF_PROFILE", "test")
    stack = ExitStack()
    url = stack.enter_context(serving(PAGE)) + "/dien-dan/bai-dang/1024"
    evidence = work / "USB thu giữ"
    evidence.mkdir()
    (evidence / "tin nhắn đã lưu.txt").write_text("Bản lưu tin nhắn của người bị hại (mẫu).\n" * 12, "utf-8")

    from PySide6.QtWidgets import QApplication

    from .app import build_window

    window: Any = build_window(None, "vi")
    app = QApplication.instance()
    walk = Walk(args.out, app)
    window.resize(SCREEN[0], SCREEN[1] - TASKBAR)
    window.show()
    try:
        run(walk, window, work, url, evidence)
    except (WalkFailed, TimeoutError) as exc:
        print(f"error: the walk stopped after {walk.count} screen(s): {exc}", file=sys.stderr)
        return 1
    finally:
        if window.session is not None:
            window.session.close(30)
            window.session = None
        window.close()
        stack.close()
        shutil.rmtree(work, ignore_errors=True)
    if walk.problems:
        print("layout problems:\n  " + "\n  ".join(walk.problems), file=sys.stderr)
        return 1
    return 0


def run(walk: Walk, window: Any, work: Path, url: str, evidence: Path) -> None:
    from PySide6.QtWidgets import QDialogButtonBox, QTreeView

    from .file_dialogs import file_dialog

    walk.shot(window, "man-hinh-dau")
    # 1. create the vault, as a user fills the form
    window.create_vault()
    create = window._dialogs["create"]
    create.location.setText(str(work / "kho-chung-cu"))
    for widget, text in ((create.passphrase, PASSPHRASE), (create.confirm, PASSPHRASE),
                         (create.examiner, "Nguyễn Văn Kiểm"), (create.position, "Điều tra viên"),
                         (create.parent_agency, "Bộ Công an"), (create.agency, "Công an tỉnh (mẫu)"),
                         (create.unit, "Phòng An ninh mạng (mẫu)"), (create.place, "Phường Hoàn Kiếm, Hà Nội")):
        widget.setText(text)
    walk.shot(create, "tao-kho")
    create.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    walk.wait(lambda: window.session is not None and window.stack.currentWidget() is window.workspace)
    walk.expect(window.menuBar().actions()[0].text().replace("&", "") == "Kho chứng cứ", "the window is not in Vietnamese")
    # 2. a case
    window.new_case()
    case_dialog = window._dialogs["case"]
    case_dialog.number.setText("VV-2026-012")
    case_dialog.title.setText("Bài đăng sai sự thật về dịch bệnh trên mạng xã hội")
    walk.shot(case_dialog, "vu-viec-moi")
    case_dialog._check()
    walk.wait(lambda: window.cases.model.rowCount() == 1 and window.current_case_id() is not None)
    walk.expect(window.evidence.case_id == window.current_case_id(), "the new case's evidence is not shown")
    # 3. capture a page: on this machine, so refused until the examiner allows it
    web = window.open_task("web")
    web.urls.setPlainText(url)
    web.options_form.base = web.options_form.base.with_changes(ntp_server="127.0.0.1:9", ntp_timeout=1)
    web.start_button.click()
    walk.wait(lambda: web.state in ("done", "failed"))
    walk.expect(web.message.text().startswith("Đã thu thập 0/1") and web.remedy_button.isVisibleTo(web),
                f"a local address was not refused with its remedy: {web.state}, {web.message.text()!r}")
    walk.shot(web, "thu-thap-bi-tu-choi")
    web.remedy_button.click()
    walk.spin()
    web.options_form.widgets["allow_private_addresses"].setChecked(True)
    walk.shot(web, "thu-thap-tuy-chon")
    web.start_button.click()
    walk.wait(lambda: web.state in ("done", "failed"))
    walk.expect(web.state == "done" and web.message.text().startswith("Đã thu thập 1/1"),
                f"the allowed capture did not succeed: {web.state}, {web.message.text()!r}")
    walk.shot(web, "thu-thap-xong")
    web.close()
    # 4. the preview: the screenshot, then its provenance in words
    reader = window.session.reader
    capture = next(iter(reader.list_items(kind="web_capture")))
    shot = next(i for i in reader.list_items(parent_id=capture.id) if i.kind == "screenshot")
    window.go_to_item(shot.id)
    walk.wait(lambda: window.preview.content.currentWidget() is window.preview.image)
    walk.shot(window, "xem-anh-chup")
    window.preview.tabs.setCurrentIndex(2)
    walk.shot(window, "nguon-goc")
    window.preview.tabs.setCurrentIndex(0)
    # 5. add a file (Qt's own file dialog, in Vietnamese)
    files = window.open_task("files")
    chooser = file_dialog(files, files.windowTitle(), mode="open_many", directory=str(evidence))
    chooser.show()
    tree = chooser.findChild(QTreeView, "treeView")
    if tree is None:
        raise WalkFailed("the file dialog has no list of files")
    walk.wait(lambda: tree.model().rowCount(tree.rootIndex()) > 0, timeout=30)
    walk.shot(chooser, "hop-chon-tep")
    chooser.close()
    files.add_path(evidence)
    files.start_button.click()
    walk.wait(lambda: files.state in ("done", "failed"))
    walk.expect(files.state == "done", f"adding the files failed: {files.message.text()!r}")
    walk.shot(files, "them-tep")
    files.close()
    # 6. verify
    verify = window.open_task("verify")
    verify.start_button.click()
    walk.wait(lambda: verify.state in ("done", "failed"))
    walk.expect(verify.state == "done" and verify.message.text().startswith("Tính toàn vẹn được xác nhận"),
                f"the vault did not verify: {verify.message.text()!r}")
    walk.shot(verify, "kiem-tra")
    verify.close()
    # 7. the court report with its formal fields
    from PySide6.QtCore import QDate
    from PySide6.QtWidgets import QTableWidgetItem

    report = window.open_task("report")
    report.decision_number.setText("125/QĐ-ANM")
    report.decision_date.setDate(QDate(2026, 11, 28))
    report.decision_issuer.setText("Trưởng phòng An ninh mạng")
    for column, text in enumerate(("Trần Thị Bình", "Cán bộ, Phòng Hành chính", "CCCD 001090001234")):
        report.witnesses.setItem(0, column, QTableWidgetItem(text))
    report.out.setText(str(work / "bao-cao.pdf"))
    walk.shot(report, "lap-bao-cao")
    report.start_button.click()
    walk.wait(lambda: report.state in ("done", "failed"), timeout=300)
    walk.expect(report.state == "done", f"the report failed: {report.message.text()!r}")
    walk.shot(report, "bao-cao-xong")
    report.close()
    render_first_page(work / "bao-cao.pdf", walk)
    window.center_tabs.setCurrentIndex(1)
    walk.shot(window, "nhat-ky")
    window.center_tabs.setCurrentIndex(0)
    guide = window.open_guide("warnings")
    walk.shot(guide, "huong-dan")
    guide.close()
    # 8. switch the language (Settings), then back
    settings = window.open_dialog("settings")
    walk.shot(settings, "cai-dat")
    settings.language.setCurrentIndex(1)
    walk.spin()
    walk.expect(window.menuBar().actions()[0].text().replace("&", "") == "Vault", "the language did not switch")
    walk.shot(window, "tieng-anh")
    settings.language.setCurrentIndex(0)
    settings.close()
    # 9. lock and unlock
    window.lock()
    walk.shot(window, "da-khoa")
    window.unlock_page.passphrase.setText(PASSPHRASE)
    window.unlock_page.unlock_button.click()
    walk.wait(lambda: not window.session.locked and window.stack.currentWidget() is window.workspace)
    walk.expect(window.menuBar().actions()[0].text().replace("&", "") == "Kho chứng cứ", "the window is not back in Vietnamese")
    walk.shot(window, "mo-khoa")


def render_first_page(pdf: Path, walk: Walk) -> None:
    """Page 1 of the court report as it prints (poppler's pdftoppm, an implementation other than the app's)."""
    walk.count += 1
    path = walk.out / f"{walk.count:02d}-bao-cao-trang-1.png"
    subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(path.with_suffix(""))], check=True, timeout=120)
    from PySide6.QtGui import QImage

    save_png(QImage(str(path)), path)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")

if __name__ == "__main__":
    sys.exit(main())
