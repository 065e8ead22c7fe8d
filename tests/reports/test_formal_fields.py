"""Formal fields from the flow, a readable custody table, and the entries whole in an appendix that verifies."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from evidence_store import Case, Vault
from forensics_app.services.reports import ReportOptions, generate_report, last_report_fields
from report_templates import MinutesFields, Person

from .conftest import add_web_capture, pdf_pages, pdf_text, squash

FIELDS = MinutesFields(number="17", place="Phường Hoàn Kiếm, Hà Nội", decision_number="125/QĐ-ANM",
                       decision_date="2026-11-28", decision_issuer="Trưởng phòng An ninh mạng",
                       witnesses=(Person("Trần Thị Bình", "Cán bộ", "Phòng Hành chính", "001090001234"),
                                  Person("Lê Văn Cường", "Tổ trưởng dân phố", "", "001085004321")))


def test_court_report_prints_every_formal_field_with_the_national_header(vault: Vault, case: Case,
                                                                         tmp_path: Path) -> None:
    vault.set_setting("parent_agency", "Bộ Công an (mẫu)")
    vault.set_setting("agency", "Công an tỉnh (mẫu)")
    vault.set_setting("unit", "Phòng An ninh mạng (mẫu)")
    add_web_capture(vault, case)
    out = tmp_path / "court.pdf"
    result = generate_report(vault, case.number, out, ReportOptions(kind="court", lang="vi", fields=FIELDS))
    first = pdf_pages(out)[0]
    for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BỘ CÔNG AN (MẪU)",
                 "CÔNG AN TỈNH (MẪU)", "PHÒNG AN NINH MẠNG (MẪU)", f"Số: {result.report_id}",
                 "Phường Hoàn Kiếm, Hà Nội, ngày", "Quyết định số 125/QĐ-ANM ngày 28 tháng 11 năm 2026 của Trưởng",
                 "BÁO CÁO CHỨNG CỨ ĐIỆN TỬ"):
        assert squash(text) in squash(first), text
    whole = squash(pdf_text(out))
    for person in FIELDS.witnesses:
        assert squash(person.name) in whole and squash(person.position) in whole
    assert squash("Phường Hoàn Kiếm, Hà Nội, ngày") in whole  # the signature block's place and date
    assert "........" not in first  # nothing on the cover left to fill by hand
    # the report's own record says what was asked, and the case's next report starts from it
    assert last_report_fields(vault, case.number) == FIELDS
    assert result.item.source.startswith("Báo cáo chứng cứ điện tử CR-") and "--" not in result.item.source


def test_minutes_print_the_place_decision_and_witnesses_given(vault: Vault, case: Case, tmp_path: Path) -> None:
    add_web_capture(vault, case)
    out = tmp_path / "minutes.pdf"
    generate_report(vault, case.number, out, ReportOptions(kind="minutes", lang="vi", fields=FIELDS))
    whole = squash(pdf_text(out))
    for text in ("Phường Hoàn Kiếm, Hà Nội", "Quyết định số 125/QĐ-ANM ngày 28 tháng 11 năm 2026",
                 "Trần Thị Bình", "001090001234", "Lê Văn Cường", "17/BB-TTDLĐT"):
        assert squash(text) in whole, text


def test_custody_is_a_table_in_words_and_the_appendix_gives_back_every_entry(vault: Vault, case: Case,
                                                                            tmp_path: Path) -> None:
    add_web_capture(vault, case)
    out = tmp_path / "court.pdf"
    result = generate_report(vault, case.number, out, ReportOptions(kind="court", lang="vi"))
    text = pdf_text(out)
    custody = text.split("9. Chuỗi lưu giữ chứng cứ")[1].split("10. Điểm kiểm tra")[0]
    assert squash("Thu thập mục chứng cứ") in squash(custody) and squash("Mở vụ việc") in squash(custody)
    assert "item.acquire" not in custody and '{"' not in custody  # words, not codes or JSON
    appendix = text.split("Phụ lục: nguyên văn các mục nhật ký lưu giữ chứng cứ")[1]
    footer = re.compile(r"^(Vụ việc .* · Báo cáo .*|Trang \d+/\d+)$")  # the page footer, between page breaks
    lines = [line for line in appendix.replace("\f", "\n").splitlines() if line.strip() and not footer.match(line)]
    reported = {i.id for i in vault.list_items(case.id) if i.kind != "report"}
    entries = [e for e in vault.custody.entries(case_id=case.id)
               if (e.record.get("item") or {}).get("id") in reported | {None}
               and e.seq < result.checkpoint["size"]]  # what the report logged after it gathered is not in it
    assert len(entries) > 5
    for entry in entries:
        header = next(i for i, line in enumerate(lines) if line.startswith(f"Mục {entry.seq} ("))
        body = []
        for line in lines[header + 1:]:
            if line.startswith("giá trị băm lá: "):
                leaf = line.removeprefix("giá trị băm lá: ")
                break
            body.append(line)
        printed = "".join(body).encode("utf-8")
        assert printed == entry.entry  # joined with nothing between them, the lines are the entry, byte for byte
        assert hashlib.sha256(b"\x00" + printed).hexdigest() == leaf == entry.leaf_hash
