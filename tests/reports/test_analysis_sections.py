"""The court report's "links between evidence" and timeline exhibit, read back by poppler, in both languages."""

from __future__ import annotations

import json
from pathlib import Path

from evidence_store import Case, Vault
from forensics_app.services import analysis
from forensics_app.services.reports import ReportOptions, generate_report

from ..analysis.helpers import add
from .conftest import pdf_text, squash


def _evidence(vault: Vault, case: Case) -> None:
    add(vault, case, "tin nhắn.txt", "Chuyển khoản Vietcombank STK 0071000123456, Zalo 0912.345.678".encode())
    add(vault, case, "ghi chú.txt", "Gọi 0912 345 678; ví 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".encode())
    add(vault, case, "khác.txt", "Ví 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed nhận tiền".encode())
    add(vault, case, "thu.eml", b"From: a@example.com\r\n\r\nbody", kind="message", media_type="message/rfc822",
        metadata={"message": {"date": "2025-03-03T04:05:06Z", "from": ["a@example.com"], "to": ["b@example.com"],
                              "subject": "Hoa don thang 3"}})
    add(vault, case, "chat", kind="chat_message", metadata={"chat.time": "2025-03-04T05:06:07Z",
                                                            "chat.sender": "Tư", "chat.text": "đã chuyển chưa"})
    analysis.index_pending(vault)


def test_links_and_timeline_in_the_court_report(vault: Vault, case: Case, tmp_path: Path) -> None:
    _evidence(vault, case)
    options = ReportOptions(kind="court", lang="vi", entities=("0912345678", "0071000123456",
                                                               "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                                                               "0999 000 111"),
                            timeline_from="2025-03-01", timeline_to="2025-03-03")
    generate_report(vault, case.number, tmp_path / "vi.pdf", options)
    text = pdf_text(tmp_path / "vi.pdf")
    flat = squash(text)
    assert "Liên kết giữa các chứng cứ" in text
    assert squash("phone 0912 345 678: 2 lần xuất hiện trong 1 vụ việc") in flat
    assert squash("bank_account VCB 0071000123456: 1 lần xuất hiện") in flat
    assert squash("Ethereum 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed: 2 lần") in flat
    assert squash("0999 000 111: không tìm thấy trong chứng cứ.") in flat
    assert squash("«0912.345.678»") in flat and "phone.vn.mobile" in flat
    assert squash("Các thực thể liên kết qua mục chứng cứ chung") in flat  # the chart's caption
    assert "Dòng thời gian 2025-03-01 – 2025-03-03" in text
    assert squash("2025-03-03T04:05:06Z") in flat and squash("2025-03-03 11:05:06 +0700") in flat
    assert squash("Message sent: E-mail from") in flat and squash("b@example.com: Hoa don thang 3") in flat
    assert "2025-03-04T05:06:07Z" not in flat  # the chat is after the range
    generate_report(vault, case.number, tmp_path / "en.pdf", ReportOptions(
        kind="court", lang="en", entities=("+84 912 345 678",), timeline_from="2025-03-04"))
    english = squash(pdf_text(tmp_path / "en.pdf"))
    assert squash("Links between evidence") in english and squash("2 occurrence(s) in 1 case(s)") in english
    assert squash("Timeline 2025-03-04 – …") in english and squash("Tư: đã chuyển chưa") in english
    plain = tmp_path / "plain.pdf"
    generate_report(vault, case.number, plain, ReportOptions(kind="court", lang="en"))
    assert "Linksbetweenevidence" not in squash(pdf_text(plain))  # only when asked for


def test_report_cli_flags(cli_vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli = cli_vault
    assert cli("case", "new", "--number", "C1", "--title", "t").code == 0
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("Zalo 0912.345.678 và Vietcombank STK 0071000123456")
    assert cli("files", "add", str(src), "--case", "C1").code == 0
    result = cli("report", "C1", "--out", str(tmp_path / "r.pdf"), "--lang", "en", "--entity", "0912345678",
                 "--timeline-from", "2020-01-01", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["sha256"]
    assert squash("Links between evidence") in squash(pdf_text(tmp_path / "r.pdf"))
    bad = cli("report", "C1", "--out", str(tmp_path / "s.pdf"), "--timeline-from", "someday")
    assert "not a date" in bad.one_line_error()
