"""``make screenshots``: the walk a new investigator makes in Vietnamese runs end to end, and fails on a layout problem.

The walk itself is ``forensics_app.gui.screenshots`` (real Chromium against a page on
127.0.0.1, a real vault, the court report rendered by pdftoppm), run here as ``make
screenshots`` runs it; the screens it checks are the ones the README shows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

STEPS = ("man-hinh-dau", "tao-kho", "vu-viec-moi", "thu-thap-bi-tu-choi", "thu-thap-tuy-chon", "thu-thap-xong",
         "xem-anh-chup", "nguon-goc", "hop-chon-tep", "them-tep", "kiem-tra", "lap-bao-cao", "bao-cao-xong",
         "bao-cao-trang-1", "nhat-ky", "huong-dan", "cai-dat", "tieng-anh", "da-khoa", "mo-khoa")


def test_the_walk_runs_end_to_end(tmp_path: Path) -> None:
    """``make screenshots`` as CI's machine runs it: under Xvfb at 1366×768 (xvfb is in debian-packages.txt)."""
    from PySide6.QtGui import QImage

    out = tmp_path / "shots"
    out.mkdir()
    (out / "00-old.png").write_bytes(b"stale")  # a screenshot of an earlier walk is not left behind
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["PYTHONPATH"] = str(ROOT)
    run = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1366x768x24", sys.executable, "-m",
                          "forensics_app.gui.screenshots", str(out)], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    names = sorted(p.name for p in out.glob("*.png"))
    assert names == [f"{n:02d}-{step}.png" for n, step in enumerate(STEPS, 1)]
    assert "problem" not in run.stdout
    page = QImage(str(out / "14-bao-cao-trang-1.png"))
    assert page.height() > page.width() > 600  # an A4 page, portrait
    assert sum(p.stat().st_size for p in out.glob("*.png")) < 3_000_000


def test_a_layout_problem_fails_the_walk(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

    from forensics_app.gui import screenshots

    def cut_label(walk: screenshots.Walk, window: Any, *_args: Any) -> None:
        page = QWidget()
        qtbot.addWidget(page)
        QHBoxLayout(page).addWidget(QLabel("Một nhãn dài hơn chỗ dành cho nó rất nhiều"))
        page.layout().itemAt(0).widget().setFixedWidth(60)
        page.show()
        walk.shot(page, "nhan-bi-cat")

    monkeypatch.setattr(screenshots, "run", cut_label)
    assert screenshots.main([str(tmp_path)]) == 1
    assert "01-nhan-bi-cat.png" in capsys.readouterr().err
