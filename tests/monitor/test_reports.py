"""Monitoring in the reports: the court report's "changes over time" exhibit per watched page (every check with
hashes, the redline, the comparison image, first/last seen and the removal rule), and the statistics report's
monitoring and community-report counts. PDFs read back with poppler."""

from __future__ import annotations

from pathlib import Path

from evidence_store import Case, Vault
from forensics_app.services import monitor, tips
from forensics_app.services.reports import ReportOptions, generate_report
from tests.monitor.fake_checks import check
from tests.reports.conftest import pdf_text, squash


def _watched(vault: Vault, case: Case) -> int:
    watch = monitor.add_watches(vault, case.id, ["https://tin.example.vn/bai-9"], removal_after=2)[0]
    check(vault, watch.id, "Giá vàng hôm nay tăng nhẹ", False)
    check(vault, watch.id, "Giá vàng hôm nay tăng mạnh, chuyển khoản ngay", True)
    check(vault, watch.id, "", False, status=404)
    check(vault, watch.id, "", False, status=404)
    return watch.id


def test_court_report_has_the_changes_over_time_exhibit(vault: Vault, case: Case, tmp_path: Path) -> None:
    _watched(vault, case)
    out = tmp_path / "court.pdf"
    generate_report(vault, case.number, out, ReportOptions(kind="court", lang="en"))
    text = squash(pdf_text(out))
    for expected in ("changes over time (monitoring)", "Every check", "https://tin.example.vn/bai-9",
                     "First seen", "Last seen", "Removed at", "Removal decided by",
                     "removed: http_gone seen on 2 consecutive check(s)", "HTTP 404",
                     "Text: removed words struck, added words underlined", "nhẹ", "mạnh, chuyển khoản ngay",
                     "Screenshots: previous | current | difference", "word-level diff"):
        assert squash(expected) in text, expected
    histories = vault.list_items(case.id, kind="monitoring_history")
    assert len(histories) == 1 and histories[0].metadata["checks"] == 4 and histories[0].metadata["changes"] == 2
    generate_report(vault, case.number, tmp_path / "again.pdf", ReportOptions(kind="court", lang="vi"))
    assert len(vault.list_items(case.id, kind="monitoring_history")) == 1  # no new check: no new record
    vi = squash(pdf_text(tmp_path / "again.pdf"))
    assert squash("diễn biến thay đổi theo thời gian (giám sát)") in vi and squash("Căn cứ xác định bị gỡ") in vi


def test_statistics_count_monitoring_and_community_reports(vault: Vault, case: Case, tmp_path: Path) -> None:
    _watched(vault, case)
    tips.register(vault, channel="hotline", reporter={"name": "Người báo tin bí mật"}, text="trang lừa đảo",
                  urls=["https://lua.example.vn"])
    from evidence_store import tip_store

    second = tips.register(vault, channel="email", text="bài sai sự thật")
    tip_store.assess(vault, second.id, "assessing")
    tip_store.assess(vault, second.id, "violation")
    out = tmp_path / "stats.pdf"
    generate_report(vault, "all", out, ReportOptions(kind="stats", lang="en"))
    text = pdf_text(out)
    flat = squash(text)
    assert squash("VIII. Monitoring and community reports") in flat
    lines = [" ".join(line.split()) for line in text.splitlines()]
    joined = "\n".join(lines)
    for label, value in (("Checks (captures)", 4), ("Changes found", 1), ("Removals recorded", 1),
                         ("Community reports received", 2)):
        assert squash(f"{label}{value}") in flat or f"{label}\n{value}" in joined, label
    assert squash("violation") in flat and squash("not yet assessed") in flat and squash("hotline") in flat
    assert "Người báo tin bí mật" not in text


def test_changes_join_the_timeline_and_the_search_index(vault: Vault, case: Case) -> None:
    from forensics_app.services import search
    from forensics_app.services.timeline import TimelineQuery, events

    _watched(vault, case)
    found = [e for e in events(vault, TimelineQuery(case, include_custody=False)) if e.source == "monitoring"]
    assert [e.message.split(":")[0] for e in found] == ["Change detected", "Change detected"]
    assert "removed (HTTP 404" in found[1].message
    hits = search.search(vault, "chuyen khoan", case=case.number)
    assert "monitoring_change" in {vault.get_item(h.hit.item_id).kind for h in hits}
