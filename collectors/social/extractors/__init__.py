"""Per-platform readers (one small module each) and the generic one for any other site."""

from __future__ import annotations

import importlib

MODULES = ("generic", "facebook", "youtube", "tiktok", "x", "telegram", "zalo", "instagram")
_loaded = False


def load_all() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for name in MODULES:
            importlib.import_module(f"{__name__}.{name}")
