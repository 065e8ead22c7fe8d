"""The window opens without loading what only some actions need: the report machinery (ReportLab) and
the browser stack load when a report or a capture is asked for, not at start-up (bench/gui_startup.py).

The Search, Timeline and Monitoring tabs (and their services and stores) are built after the first
paint (``gui.deferred``): at the moment the opened vault's window is drawn, none of them is loaded;
right after it, the monitoring view is up and shows the vault's watches (alerts are noticed from the
start), and a tab shown for the first time shows its view."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from evidence_store import Vault
from forensics_app.services import monitor
from tests.conftest import PASSPHRASE, ROOT
from tests.monitor.fake_checks import check

CHILD = """
import json, sys, time
from pathlib import Path
import forensics_app.gui.app as start
from forensics_app.gui.app import launch
from forensics_app.gui.session import VaultSession
from PySide6.QtCore import QTimer
start.FIRST_START_CHECK_DELAY_MS = 10**9  # the workstation check loads every tool on purpose, 1.5 s in
start.AFTER_PAINT_FALLBACK_MS = 10**9  # a slow machine: the deferred work still waits for the paint
from PySide6.QtWidgets import QApplication
window = launch(Path(sys.argv[1]), "vi")
window._opened(VaultSession.open(Path(sys.argv[1]), sys.argv[2], window.tasks.post))
app = QApplication.instance()
at_paint = []
def shown():  # as the benchmark marks it: the window is on screen, so drawn
    if not window.windowHandle().isExposed():
        QTimer.singleShot(0, shown)
        return
    at_paint.extend(sorted(sys.modules))
QTimer.singleShot(0, shown)
deadline = time.monotonic() + 60
while (not at_paint or window.later_tabs._monitoring is None) and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.001)
monitoring = window.later_tabs._monitoring
started = {"watches": monitoring.watches.rowCount() if monitoring else None,
           "follows_session": monitoring is not None and monitoring.vault is window.session.reader}
search_built = "forensics_app.gui.analysis_view" in sys.modules
window.center_tabs.setCurrentIndex(3)  # the Timeline tab, shown for the first time
shown_tab = window.center_tabs.currentWidget().objectName()
window.analysis_views.timeline.wait_loaded()  # its rows are read in a thread: let it end before exit
window.session.close(5)
print(json.dumps({"at_paint": at_paint, "after": sorted(sys.modules), "monitoring": started,
                  "analysis_before_asked": search_built, "shown_tab": shown_tab}))
"""

LATER = ("forensics_app.gui.analysis_view", "forensics_app.gui.timeline_view", "forensics_app.gui.monitor_view",
         "forensics_app.services.search",
         "forensics_app.services.entities", "forensics_app.services.entity_rules", "forensics_app.services.timeline",
         "forensics_app.services.alerts", "evidence_store.monitor_store", "evidence_store.tip_store",
         "evidence_store.entity_store", "evidence_store.timeline_store", "evidence_store.search_index")
TOKEN_ONLY = ("evidence_store.token_examiners", "evidence_store.pkcs11")  # an examiner who signs on a token
NOT_FOR_OPENING = ("cryptography.hazmat.backends.openssl.backend",  # X25519 keys come from the Rust bindings
                   "evidence_store.verify",  # loaded when a verification is asked for
                   *(("platformdirs",) if sys.platform.startswith("linux") else ()))  # the app's own XDG rule


def test_the_open_window_has_not_loaded_reports_or_the_browser(tmp_path: Path) -> None:
    with Vault.create(tmp_path / "vault", PASSPHRASE, "Nguyễn Văn Kiểm") as vault:
        case = vault.create_case("VV-1", "t")
        watch = monitor.add_watches(vault, case.id, ["https://tin.example.vn/bai-1"], every="6h")[0]
        check(vault, watch.id, "Giá vàng hôm nay tăng nhẹ", False)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "FORENSICS_CONFIG_DIR": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "vault"), PASSPHRASE], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    at_paint, loaded = set(result["at_paint"]), set(result["after"])
    assert "forensics_app.gui.main_window" in at_paint  # the child really opened the window
    heavy = {m for m in loaded if m.split(".")[0] in ("reportlab", "playwright", "warcprox", "pyhanko", "pytsk3")}
    assert heavy == set(), sorted(heavy)
    assert not {m for m in loaded if m.startswith("report_templates")}
    # built after the first paint, not for it
    assert sorted(at_paint & set(LATER)) == []
    assert sorted(loaded & set(TOKEN_ONLY)) == []
    assert sorted(at_paint & set(NOT_FOR_OPENING)) == []
    # … and then there: the monitoring view follows the vault without its tab being shown
    assert result["monitoring"] == {"watches": 1, "follows_session": True}
    assert not result["analysis_before_asked"]  # search and timeline wait until their tab is shown
    assert result["shown_tab"] == "timelineView"
