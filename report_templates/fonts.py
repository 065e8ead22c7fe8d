"""Embedded TrueType fonts that cover Vietnamese (ReportLab's built-in fonts do not).

Noto Serif is the body face (close to the Times style of Vietnamese official
documents); DejaVu Sans is the fallback for scripts Noto Serif lacks (Arabic,
Hebrew, symbols) and DejaVu Sans Mono sets hashes. The fonts come from Debian's
fonts-noto-core and fonts-dejavu-core; ``FORENSICS_FONT_DIRS`` adds folders to
search (for other systems). Registration happens once per process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from evidence_store import UsageError

SEARCH_DIRS = (
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/noto",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)

# face name -> candidate file names (first found wins)
FACES: dict[str, tuple[str, ...]] = {
    "Body": ("NotoSerif-Regular.ttf", "DejaVuSerif.ttf"),
    "Body-Bold": ("NotoSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"),
    "Body-Italic": ("NotoSerif-Italic.ttf", "DejaVuSerif-Italic.ttf"),
    "Body-BoldItalic": ("NotoSerif-BoldItalic.ttf", "DejaVuSerif-BoldItalic.ttf"),
    "Fallback": ("DejaVuSans.ttf",),
    "Fallback-Bold": ("DejaVuSans-Bold.ttf",),
    "Mono": ("DejaVuSansMono.ttf",),
    "Mono-Bold": ("DejaVuSansMono-Bold.ttf",),
}
VIETNAMESE_PROBE = "ẮẰẲẴẶắằẳẵặỆệỮữƯưƠơĐđ"


@dataclass(frozen=True)
class FontSet:
    body: str = "Body"
    bold: str = "Body-Bold"
    italic: str = "Body-Italic"
    mono: str = "Mono"
    fallback: str = "Fallback"


def _dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("FORENSICS_FONT_DIRS", "").split(os.pathsep) if p]
    return extra + [Path(p) for p in SEARCH_DIRS]


def _find(candidates: tuple[str, ...]) -> Path | None:
    for name in candidates:
        for folder in _dirs():
            path = folder / name
            if path.is_file():
                return path
    return None


@lru_cache(maxsize=1)
def register_fonts() -> FontSet:
    """Register the faces with ReportLab once; raise a clear error when none is installed."""
    for face, candidates in FACES.items():
        path = _find(candidates)
        if path is None:
            raise UsageError(
                f"no font for {face} found ({', '.join(candidates)})",
                message_vi=f"không tìm thấy phông chữ cho {face} ({', '.join(candidates)})",
                remedy="install_fonts")
        pdfmetrics.registerFont(TTFont(face, str(path)))
    font = pdfmetrics.getFont("Body")
    missing = [ch for ch in VIETNAMESE_PROBE if ord(ch) not in font.face.charToGlyph]
    if missing:
        raise UsageError(f"the body font lacks Vietnamese letters {''.join(missing)}",
                         message_vi=f"phông chữ thân bài thiếu các chữ cái tiếng Việt {''.join(missing)}")
    addMapping("Body", 0, 0, "Body")
    addMapping("Body", 1, 0, "Body-Bold")
    addMapping("Body", 0, 1, "Body-Italic")
    addMapping("Body", 1, 1, "Body-BoldItalic")
    addMapping("Fallback", 0, 0, "Fallback")
    addMapping("Fallback", 1, 0, "Fallback-Bold")
    addMapping("Fallback", 0, 1, "Fallback")
    addMapping("Fallback", 1, 1, "Fallback-Bold")
    addMapping("Mono", 0, 0, "Mono")
    addMapping("Mono", 1, 0, "Mono-Bold")
    addMapping("Mono", 0, 1, "Mono")
    addMapping("Mono", 1, 1, "Mono-Bold")
    return FontSet()


def covers(face: str, char: str) -> bool:
    return ord(char) in pdfmetrics.getFont(face).face.charToGlyph
