"""The window opens without loading what only some actions need: the report machinery (ReportLab) and
the browser stack load when a report or a capture is asked for, not at start-up (bench/gui_startup.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from evidence_store import Vault
from tests.conftest import PASSPHRASE, ROOT

CHILD = """
import json, sys
from pathlib import Path
from forensics_app.gui.app import launch
from forensics_app.gui.session import VaultSession
from PySide6.QtWidgets import QApplication
window = launch(Path(sys.argv[1]), "vi")
window._opened(VaultSession.open(Path(sys.argv[1]), sys.argv[2], window.tasks.post))
for _ in range(20):
    QApplication.instance().processEvents()
window.session.close(5)
print(json.dumps(sorted(sys.modules)))
"""


def test_the_open_window_has_not_loaded_reports_or_the_browser(tmp_path: Path) -> None:
    with Vault.create(tmp_path / "vault", PASSPHRASE, "Nguyễn Văn Kiểm") as vault:
        vault.create_case("VV-1", "t")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "FORENSICS_CONFIG_DIR": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "vault"), PASSPHRASE], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "forensics_app.gui.main_window" in loaded  # the child really opened the window
    heavy = {m for m in loaded if m.split(".")[0] in ("reportlab", "playwright", "warcprox", "pyhanko", "pytsk3")}
    assert heavy == set(), sorted(heavy)
    assert not {m for m in loaded if m.startswith("report_templates")}
