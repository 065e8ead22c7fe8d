"""Sizes as people read them, the same in the command line and the desktop app."""

from __future__ import annotations


def human_size(size: int | None) -> str:
    """Binary units (KiB, MiB, …): what file managers and forensic tools show; "" when unknown."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(size)
