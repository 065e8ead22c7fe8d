"""The per-platform table of ``forensics doctor --social``."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from ..services.social_health import STATE_VI
from .common import out


def print_readers(readers: dict[str, Any], lang: str) -> None:
    vi = lang == "vi"
    table = Table("nền tảng" if vi else "platform", "trang" if vi else "pages",
                  "trường đọc đúng" if vi else "fields read right", "kết quả" if vi else "state")
    for platform, entry in sorted(readers.items()):
        state = STATE_VI[entry["state"]] if vi else entry["state"]
        table.add_row(platform, str(entry["pages"]), f"{entry['right']}/{entry['checked']}", state)
    out.print(table)
