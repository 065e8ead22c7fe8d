"""Collection minutes (every LEGAL.md field, formal layout, one per session) and periodic statistics."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evidence_store import Case, UsageError, Vault
from forensics_app.services.files import add_files
from forensics_app.services.report_context import parse_range
from forensics_app.services.reports import ReportOptions, generate_report
from report_templates import MinutesFields, Person

from .conftest import add_disk_items, add_web_capture, pdf_pages

FIELDS = MinutesFields(
    number="15", legal_basis="Căn cứ Điều 107 Bộ luật Tố tụng hình sự năm 2015;",
    mandate="Quyết định phân công số 12/QĐ ngày 01/11/2026",
    witnesses=(Person("Lê Thị Chứng", "Tổ trưởng tổ dân phố", "Phường 1", "CCCD 086123456789"),),
    data_holder=Person("Phạm Văn Giữ", "Quản trị hệ thống", "Công ty ABC"),
    seal="USB Kingston 32GB số sê-ri 1234, niêm phong số 07", complaints="Không có ý kiến.",
    account="tài khoản nghiệp vụ 0123", copies=3)


def test_minutes_hold_every_field_in_the_formal_layout(vault: Vault, filled_case: Case, tmp_path: Path) -> None:
    vault.set_setting("place", "Vĩnh Long")
    vault.set_setting("parent_agency", "Bộ Công an")
    add_web_capture(vault, filled_case)
    out = tmp_path / "bb.pdf"
    result = generate_report(vault, filled_case.number, out, ReportOptions(kind="minutes", lang="vi", fields=FIELDS))
    pages = pdf_pages(out)
    text = "\n".join(pages)
    # national header, agency block, form number and title
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BỘ CÔNG AN",
                     "CÔNG AN TỈNH THỬ NGHIỆM", "PHÒNG AN NINH MẠNG", "Mẫu BB-TTDLĐT", "Số: 15-1/BB-TTDLĐT",
                     "Số: 15-2/BB-TTDLĐT", "BIÊN BẢN", "Thu thập dữ liệu điện tử"):
        assert expected in text, expected
    assert re.search(r"Vĩnh Long, ngày \d\d tháng \d+ năm 2026", text)
    # LEGAL.md's fields
    for expected in ("Căn cứ Điều 107", "Quyết định phân công số 12/QĐ", "Hôm nay, bắt đầu lúc", "giờ Việt Nam, UTC+7",
                     "UTC)", filled_case.number, "Cán bộ thu thập: Nguyễn Văn Kiểm", "Chức vụ: Điều tra viên",
                     "Người chứng kiến: Lê Thị Chứng", "CCCD 086123456789", "Người quản lý dữ liệu: Phạm Văn Giữ",
                     "Nguồn dữ liệu", "https://social.example.vn/post/123", "→ https://social.example.vn/post/123?ref=share",
                     "platform: Facebook", "forensics-toolkit", "capture-pc", "+42.0 ms so với máy chủ NTP pool.ntp.org",
                     "198.51.100.20", "tài khoản nghiệp vụ 0123", "Thay đổi, biến đổi do quá trình thu thập",
                     "USB Kingston 32GB", "Điểm kiểm tra nhật ký lưu giữ gồm", "Không có dấu thời gian tin cậy",
                     "Không có ý kiến.", "Việc thu thập kết thúc lúc", "lập thành 3 bản", "Người không ký biên bản",
                     "NGƯỜI CHỨNG KIẾN", "NGƯỜI QUẢN LÝ DỮ LIỆU", "NGƯỜI THỰC HIỆN", "(Ký, ghi rõ họ tên)"):
        assert expected in text, expected
    for item in vault.list_items(filled_case.id):
        if item.has_content and item.kind != "report":
            assert f"SHA-256 {item.sha256}" in text and item.blake3 in text
    # the tool's code hash is printed
    from forensics_app.services.environment import code_sha256

    assert code_sha256() in text
    # one set of minutes per acquisition session, each numbered "Trang X/Y" on its own
    firsts = [n for n, page in enumerate(pages) if "BIÊN BẢN" in page and "CỘNG HÒA" in page]
    assert len(firsts) == 2
    for start, end in zip(firsts, firsts[1:] + [len(pages)], strict=True):
        total = end - start
        for offset in range(total):
            assert f"Trang {offset + 1}/{total}" in pages[start + offset].strip().splitlines()[-1]
    assert result.item.kind == "report"


def test_minutes_leave_dotted_lines_for_what_only_people_know(vault: Vault, filled_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "bb.pdf"
    generate_report(vault, filled_case.number, out, ReportOptions(kind="minutes", lang="en"))
    text = "\n".join(pdf_pages(out))
    assert "SOCIALIST REPUBLIC OF VIET NAM" in text and "Independence - Freedom - Happiness" in text
    assert "MINUTES" in text and "No.: ......../BB-TTDLĐT" in text
    assert "Witness: ......" in text and "Data holder: none / ....." in text
    assert "none. The sources were read" in text.lower() or "None. The sources were read" in text


def test_one_files_add_run_is_one_session_and_separate_runs_are_not(vault: Vault, case: Case,
                                                                     tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x.txt").write_text(name)
    add_files(vault, case.id, [tmp_path / "a", tmp_path / "b"])  # one run, two roots
    vault.set_setting("place", "Cần Thơ")  # something else happens in between
    add_files(vault, case.id, [tmp_path / "a" / "x.txt"])
    add_disk_items(vault, case)
    out = tmp_path / "bb.pdf"
    generate_report(vault, case.number, out, ReportOptions(kind="minutes", lang="en"))
    text = "\n".join(pdf_pages(out))
    assert text.count("MINUTES") == 3  # {a, b}, the later file, the disk image


def test_minutes_of_an_empty_scope_is_a_clear_error(vault: Vault, case: Case, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no acquisition"):
        generate_report(vault, case.number, tmp_path / "bb.pdf", ReportOptions(kind="minutes"))
    assert not (tmp_path / "bb.pdf").exists()


def test_statistics_count_kinds_platforms_domains_and_months(vault: Vault, filled_case: Case, tmp_path: Path) -> None:
    add_web_capture(vault, filled_case, url="https://www.facebook.com/post/1")
    add_web_capture(vault, filled_case, url="https://tiktok.com/@a/video/2")
    add_disk_items(vault, filled_case)
    other = vault.create_case("VV-2026-002", "Vụ thứ hai")
    add_web_capture(vault, other, url="https://facebook.com/post/3")
    out = tmp_path / "tk.pdf"
    result = generate_report(vault, "all", out, ReportOptions(kind="stats", lang="vi", period="2026"))
    text = "\n".join(pdf_pages(out))
    assert "BÁO CÁO THỐNG KÊ" in text and "tất cả vụ việc" in text
    assert "Từ ngày 01 tháng 01 năm 2026 đến ngày 31 tháng 12 năm 2026" in text
    assert re.search(r"thu thập trang web\s+3\b", text)
    assert re.search(r"facebook\.com\s+2\b", text) and re.search(r"tiktok\.com\s+1\b", text)
    assert re.search(r"Facebook\s+3\b", text)  # platform recorded in the provenance
    assert "VV-2026-002" in text and "2026-11" in text
    stats_case = vault.get_case("THONG-KE")  # statistics over all cases are kept in their own case
    assert result.item.case_id == stats_case.id
    # the statistics case itself is not counted as a case
    assert "THONG-KE" not in text.split("II.")[1].split("III.")[0]
    english = tmp_path / "stats.pdf"
    generate_report(vault, filled_case.number, english, ReportOptions(kind="stats", lang="en",
                                                                      date_from="2026-01-01", date_to="2026-12-31"))
    assert "STATISTICAL REPORT" in "\n".join(pdf_pages(english))


def test_periods_and_dates_are_local_days() -> None:
    h1 = parse_range(None, None, "Asia/Ho_Chi_Minh", "2026-H1")
    assert h1.start.isoformat() == "2025-12-31T17:00:00+00:00" and h1.end.isoformat() == "2026-06-30T17:00:00+00:00"
    q4 = parse_range(None, None, "Asia/Ho_Chi_Minh", "2026-Q4")
    assert q4.end.isoformat() == "2026-12-31T17:00:00+00:00"
    days = parse_range("2026-11-01", "2026-11-30", "Asia/Ho_Chi_Minh")
    assert days.contains("2026-11-30T16:59:59Z") and not days.contains("2026-11-30T17:00:00Z")
    for bad in (("2026-13-01", None, None), (None, None, "2026-H3"), ("2026-02-01", "2026-01-01", None)):
        with pytest.raises(UsageError):
            parse_range(bad[0], bad[1], "Asia/Ho_Chi_Minh", bad[2])
