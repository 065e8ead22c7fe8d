"""About: the versions of the tool and of the parts it is built on (what a report's methodology cites)."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QVBoxLayout,
    QWidget,
)

import forensics_app

from .. import theme
from ..forms import copyable_text
from ..i18n import bind

COMPONENTS = ("PySide6-Essentials", "sqlcipher3", "cryptography", "argon2-cffi-bindings", "blake3", "playwright", "warcprox",
              "pytsk3", "libewf-python", "reportlab", "pyHanko", "rfc3161-client")


def versions() -> list[tuple[str, str]]:
    """The tool and every component a report or a court may ask about."""
    from PySide6 import QtCore

    from ...services.environment import code_sha256

    rows = [(forensics_app.TOOL_NAME, forensics_app.__version__), ("code SHA-256", code_sha256()),
            ("Python", platform.python_version()), ("Qt", QtCore.qVersion())]
    for name in COMPONENTS:
        try:
            rows.append((name, version(name)))
        except PackageNotFoundError:
            rows.append((name, "—"))
    rows.append(("OS", platform.platform()))
    return rows


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, sqlcipher: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("AboutDialog")
        bind(self, "setWindowTitle", "about.title")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        heading = bind(QLabel(), "setText", "app.title")
        theme.set_role(heading, "heading")
        layout.addWidget(heading)
        text = bind(QLabel(), "setText", "about.text")
        text.setWordWrap(True)
        layout.addWidget(text)
        rows = versions() + ([("SQLCipher", sqlcipher)] if sqlcipher else [])
        self.versions = copyable_text(layout, self, "\n".join(f"{name}: {value}" for name, value in rows),
                                      "versionList")
