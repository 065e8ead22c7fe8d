"""Reader health for the workstation check: every social reader run on the bundled corpus of real pages.

``forensics doctor --social`` prints the table; the app's workstation check shows the same finding.
"""

from __future__ import annotations

from typing import Any

STATE_VI = {"fully": "đọc đầy đủ", "partly": "đọc một phần", "not": "không đọc được"}


def reader_health() -> tuple[str, tuple[str, str], dict[str, Any]]:
    """``(status, (summary_en, summary_vi), data)``: ok when every platform reads fully, warn otherwise."""
    from collectors.social import health

    folder = health.corpus_folder()
    if folder is None:
        return "warn", ("the corpus of real pages is not installed: the readers could not be checked",
                        "chưa cài bộ trang thật: không kiểm tra được các bộ đọc"), {"readers": {}}
    table = health.by_platform(health.run(folder))
    en = ", ".join(f"{p} {e['state']} ({e['right']}/{e['checked']})" for p, e in sorted(table.items()))
    vi = ", ".join(f"{p} {STATE_VI[e['state']]} ({e['right']}/{e['checked']})" for p, e in sorted(table.items()))
    status = "ok" if all(e["state"] == "fully" for e in table.values()) else "warn"
    return status, (f"readers on {sum(e['pages'] for e in table.values())} real pages: {en}",
                    f"bộ đọc trên {sum(e['pages'] for e in table.values())} trang thật: {vi}"), \
        {"readers": table, "corpus": str(folder)}
