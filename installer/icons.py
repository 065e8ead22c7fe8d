"""The app's icon for desktops and installers, rendered from the GUI's own SVG (one source of truth).

PNGs for the freedesktop icon theme (Linux), ``.ico`` for Windows (executables, Inno Setup) and
``.icns`` for macOS; Qt draws the SVG, Pillow writes the multi-size containers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "forensics_app" / "gui" / "icons" / "app.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(folder: Path, source: Path = SOURCE) -> dict[str, Path]:
    """Write ``forensics-toolkit-<size>.png``, ``.ico`` and ``.icns`` into ``folder``; returns their paths."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        raise SystemExit(f"cannot read the icon {source}")
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {"svg": source}
    for size in PNG_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = folder / f"forensics-toolkit-{size}.png"
        if not image.save(str(path)):  # the format follows the .png suffix
            raise SystemExit(f"cannot write {path}")
        made[f"png{size}"] = path
    largest = Image.open(made["png512"])
    made["ico"] = folder / "forensics-toolkit.ico"
    largest.save(made["ico"], sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    made["icns"] = folder / "forensics-toolkit.icns"
    largest.save(made["icns"])
    return made


if __name__ == "__main__":
    for name, path in render(Path(sys.argv[1] if len(sys.argv) > 1 else "build/icons")).items():
        print(f"{name}: {path}")
