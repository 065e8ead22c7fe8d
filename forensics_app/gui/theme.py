"""The look: Fusion with a restrained palette, and one icon per family of item kinds.

Icons are small SVGs drawn for this app (sharp at any scale factor); item kinds
map to families so a new kind only needs a line in :data:`KIND_ICONS`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPalette
from PySide6.QtWidgets import QApplication

ICON_DIR = Path(__file__).resolve().parent / "icons"
ACCENT = "#1f5f8b"

KIND_ICONS = {
    "folder": "folder", "file": "file", "symlink": "symlink",
    "web_capture": "web", "screenshot": "image", "screenshot_viewport": "image", "screenshot_tile": "image",
    "media": "image", "html": "html", "mhtml": "html", "pdf": "pdf", "page_text": "text",
    "warc": "archive", "wacz": "archive", "provenance": "provenance", "video": "video", "download": "download",
    "social_post": "post", "disk_image": "disk", "extracted_file": "extracted", "report": "report",
    "evidence_package": "archive",
}

STYLE_SHEET = f"""
QHeaderView::section {{ padding: 4px 6px; border: none; border-bottom: 1px solid #c8d0d6;
    border-right: 1px solid #e1e6ea; background: #f4f6f8; font-weight: 600; }}
QTableView, QTreeView, QListView {{ gridline-color: #e6eaee; selection-background-color: {ACCENT};
    alternate-background-color: #f7f9fb; }}
QTabBar::tab {{ padding: 6px 14px; }}
QStatusBar QLabel {{ padding: 0 6px; }}
QLabel[role="heading"] {{ font-size: 15pt; font-weight: 600; color: #1d2b36; }}
QLabel[role="hint"] {{ color: #5a6b78; }}
QLabel[role="error"] {{ color: #b3261e; font-weight: 600; }}
QLabel[role="ok"] {{ color: #2e6b2d; font-weight: 600; }}
QLabel[role="mono"], QLineEdit[role="mono"] {{ font-family: "DejaVu Sans Mono", monospace; }}
QPushButton[role="primary"] {{ background: {ACCENT}; color: white; border: 1px solid #174a6d;
    border-radius: 3px; padding: 5px 14px; }}
QPushButton[role="primary"]:disabled {{ background: #9fb4c3; border-color: #9fb4c3; }}
QFrame[role="panel"] {{ background: #ffffff; border: 1px solid #d6dde2; border-radius: 4px; }}
"""


def apply(app: QApplication) -> None:
    """Fusion, a light palette with one accent colour, and the app's style sheet."""
    app.setStyle("Fusion")
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#eef1f4", QPalette.ColorRole.WindowText: "#1d2b36",
        QPalette.ColorRole.Base: "#ffffff", QPalette.ColorRole.AlternateBase: "#f7f9fb",
        QPalette.ColorRole.ToolTipBase: "#ffffff", QPalette.ColorRole.ToolTipText: "#1d2b36",
        QPalette.ColorRole.Text: "#1d2b36", QPalette.ColorRole.Button: "#f4f6f8",
        QPalette.ColorRole.ButtonText: "#1d2b36", QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.PlaceholderText: "#7b8a96",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#9aa6b0"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#9aa6b0"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#9aa6b0"))
    app.setPalette(palette)
    font = QFont("DejaVu Sans")
    font.setPointSizeF(max(app.font().pointSizeF(), 9.5))
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)
    app.setWindowIcon(icon("app"))


@lru_cache(maxsize=64)
def icon(name: str) -> QIcon:
    path = ICON_DIR / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def kind_icon(kind: str) -> QIcon:
    return icon(KIND_ICONS.get(kind, "item"))


def set_role(widget: object, role: str) -> None:
    """Style a widget by role (heading, hint, error, ok, mono, primary, panel)."""
    widget.setProperty("role", role)  # type: ignore[attr-defined]
    style = widget.style()  # type: ignore[attr-defined]
    style.unpolish(widget)
    style.polish(widget)


ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
