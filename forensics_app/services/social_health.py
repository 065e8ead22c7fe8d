"""Reader health for the workstation check: every social reader run on the bundled corpus of real pages.

``forensics doctor --social`` prints the table; the app's workstation check shows the same finding.
"""

from __future__ import annotations

from typing import Any

STATE_VI = {"fully": "đọc đầy đủ", "partly": "đọc một phần", "not": "không đọc được",
            "unchecked": "chưa kiểm tra (không có trang thật)"}


def reader_health() -> tuple[str, tuple[str, str], dict[str, Any]]:
    """``(status, (summary_en, summary_vi), data)``: ok when every platform reads fully, warn otherwise."""
    from collectors.social import health
    from collectors.social.extractors.base import registered

    folder = health.corpus_folder()
    if folder is None:
        return "warn", ("the corpus of real pages is not installed: the readers could not be checked",
                        "chưa cài bộ trang thật: không kiểm tra được các bộ đọc"), {"readers": {}}
    table = health.by_platform(health.run(folder))
    en = ", ".join(f"{p} {e['state']} ({e['right']}/{e['checked']})" for p, e in sorted(table.items()))
    vi = ", ".join(f"{p} {STATE_VI[e['state']]} ({e['right']}/{e['checked']})" for p, e in sorted(table.items()))
    status = "ok" if all(e["state"] == "fully" for e in table.values()) else "warn"
    pages = sum(e["pages"] for e in table.values())
    unchecked = sorted(set(registered()) - set(table) - {"generic"})
    if unchecked:  # a reader no real page tests: said, so nobody takes its silence for a pass
        en += f"; not checked, no real page in the corpus: {', '.join(unchecked)}"
        vi += f"; chưa kiểm tra, không có trang thật trong bộ trang: {', '.join(unchecked)}"
        table |= {p: {"pages": 0, "checked": 0, "right": 0, "fields": {}, "state": "unchecked"} for p in unchecked}
    return status, (f"readers on {pages} real pages: {en}", f"bộ đọc trên {pages} trang thật: {vi}"), \
        {"readers": table, "corpus": str(folder)}
