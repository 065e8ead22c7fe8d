"""The look: Fusion with a restrained palette, and one icon per family of item kinds.

Icons are small SVGs drawn for this app (sharp at any scale factor); item kinds
map to families so a new kind only needs a line in :data:`KIND_ICONS`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QFrame, QWidget

ICON_DIR = Path(__file__).resolve().parent / "icons"
ACCENT = "#1f5f8b"

KIND_ICONS = {
    "folder": "folder", "file": "file", "symlink": "symlink",
    "web_capture": "web", "screenshot": "image", "screenshot_viewport": "image", "screenshot_tile": "image",
    "screenshot_element": "image",
    "media": "image", "html": "html", "mhtml": "html", "pdf": "pdf", "page_text": "text",
    "warc": "archive", "wacz": "archive", "provenance": "provenance", "video": "video", "download": "download",
    "social_post": "post", "disk_image": "disk", "extracted_file": "extracted", "report": "report",
    "evidence_package": "archive",
}

# Roles are applied with palettes and fonts, not a style sheet: an application-wide
# style sheet makes every widget's construction and polish several times slower.
ROLE_COLOURS = {"hint": "#5a6b78", "error": "#b3261e", "ok": "#2e6b2d", "heading": "#1d2b36"}
ERROR_COLOR = ROLE_COLOURS["error"]


STYLE = "Fusion"


def application(argv: list[str]) -> QApplication:
    """The application object (made if needed), themed.

    A new one gets its style on the command line: ``setStyle`` would hand the
    style object back to Python, and loading the binding's QStyle type with its
    enums costs more than the rest of the theme.
    """
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        apply(existing)
        return existing
    app = QApplication([*argv[:1], "-style", STYLE, *argv[1:]])
    apply(app, style=False)
    return app


def apply(app: QApplication, *, style: bool = True) -> None:
    """Fusion (unless the app was started with it), a light palette with one accent colour, the font."""
    if style:
        app.setStyle(STYLE)
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
    app.setWindowIcon(icon("app"))


@lru_cache(maxsize=64)
def icon(name: str) -> QIcon:
    path = ICON_DIR / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def kind_icon(kind: str) -> QIcon:
    return icon(KIND_ICONS.get(kind, "item"))


def set_role(widget: QWidget, role: str) -> None:
    """Style a widget by role (heading, hint, error, ok, mono, primary, panel)."""
    widget.setProperty("role", role)
    palette = widget.palette()
    font = QFont(widget.font())
    if role in ROLE_COLOURS:
        palette.setColor(QPalette.ColorRole.WindowText, QColor(ROLE_COLOURS[role]))
        font.setBold(role in ("error", "ok", "heading"))
        if role == "heading":
            font.setPointSizeF(font.pointSizeF() * 1.45)
    elif role == "mono":
        font.setFamilies(["DejaVu Sans Mono", "monospace"])
    elif role == "primary":
        palette.setColor(QPalette.ColorRole.Button, QColor(ACCENT))
        palette.setColor(QPalette.ColorRole.ButtonText, QColor("#ffffff"))
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, QColor("#9fb4c3"))
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#eef1f4"))
        font.setBold(True)
    elif role == "panel" and isinstance(widget, QFrame):
        widget.setFrameShape(QFrame.Shape.StyledPanel)
        widget.setAutoFillBackground(True)
        palette.setColor(QPalette.ColorRole.Window, QColor("#ffffff"))
    widget.setPalette(palette)
    widget.setFont(font)


ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
