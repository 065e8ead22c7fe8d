"""Sizes as people read them: one formatting for the reports, the app and the command line.

Kept here, at the bottom of the layers and free of heavy imports, so the app can format a size without
loading the report machinery.
"""

from __future__ import annotations


def human_size(size: int | None, lang: str, unknown: str = "—") -> str:
    """Binary units (KiB, MiB, …) as file managers and forensic tools show them, with the language's decimal
    mark; the one size formatting of the reports, the app and the command line."""
    if size is None:
        return unknown
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            text = f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
            return text.replace(".", ",") if lang == "vi" else text
        value /= 1024
    return str(size)
