"""Starting the desktop app: ``forensics-app`` and ``forensics gui``."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path
from typing import Any

FIRST_START_CHECK_DELAY_MS = 1500  # the workstation check starts once the first screen is up
AFTER_PAINT_FALLBACK_MS = 2000  # work waiting for the window to be drawn (gui.deferred) runs by then anyway


def import_non_qt() -> None:
    """Load the vault, the services and the plain-Python parts of the GUI before PySide6.

    PySide6 installs an import hook that inspects the source of every module
    imported after it; loading these first spares them that (tens of ms at start).
    """
    import evidence_store  # noqa: F401

    from ..services import browse, settings, vaults  # noqa: F401
    from . import formatting, i18n, jobs, prefs, session  # noqa: F401


def build_window(vault: Path | None = None, language: str | None = None) -> object:
    """The application object, the theme and the main window at its first screen (not shown)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    from . import i18n, theme
    from .main_window import MainWindow
    from .prefs import Prefs

    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = theme.application(sys.argv[:1])
    app.setApplicationName("forensics-toolkit")
    app.setApplicationDisplayName("Forensics Toolkit")
    app.setOrganizationName("forensics-toolkit")
    prefs = Prefs.load()
    i18n.set_language(language or prefs.language)
    window = MainWindow(prefs)
    window.show_start(vault)
    return window


def display_problem() -> str:
    """Why no window can open here (no desktop session on Linux), or "" when one can."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return ""
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return ""
    return ("no display: start the app inside a desktop session (or under xvfb-run for automation); "
            "the `forensics` command line works without one")


def launch(vault: Path | None = None, language: str | None = None) -> Any:
    """From the process start to the first screen shown: what a user's start runs (and the benchmark too).

    The garbage collector is paused meanwhile: start-up creates tens of thousands
    of long-lived objects (modules, Qt's enum classes, widgets) that it would
    scan again and again for nothing; they are then frozen out of its scans.
    """
    gc.disable()
    try:
        import_non_qt()
        from .errors import install_excepthook

        window: Any = build_window(vault, language)
        install_excepthook(lambda: window)
        window.show()
    finally:
        gc.freeze()
        gc.enable()
    from PySide6.QtCore import QTimer

    QTimer.singleShot(FIRST_START_CHECK_DELAY_MS, window, lambda: _first_start_check(window))
    return window


def _first_start_check(window: Any) -> None:
    from .doctor_dialog import install_first_start_check

    install_first_start_check(window)  # the workstation check: shown on a new build or when something is missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="forensics-app", description="The forensic evidence workstation.")
    parser.add_argument("--vault", type=Path, help="Open this vault (default: FORENSICS_VAULT, else the last one).")
    parser.add_argument("--language", choices=("vi", "en"), help="Interface language for this run.")
    args = parser.parse_args(argv)
    vault = args.vault or (Path(os.environ["FORENSICS_VAULT"]) if os.environ.get("FORENSICS_VAULT") else None)
    problem = display_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    launch(vault, args.language)
    from PySide6.QtWidgets import QApplication

    return int(QApplication.instance().exec())  # type: ignore[union-attr]


def entry_point() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
