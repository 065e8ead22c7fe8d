"""The court report, generated from a real vault and parsed back with poppler and pypdf."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from evidence_store import Case, Vault, merkle
from forensics_app.services.reports import ReportOptions, generate_report
from report_templates import ExhibitRenderer, register_exhibit, registered_kinds, renderer_for

from .conftest import HOSTILE, add_disk_items, add_web_capture, custody_actions, pdf_pages, pdf_text, squash

SECTIONS_VI = ["Căn cứ pháp lý", "Người thực hiện và người chứng kiến", "Phạm vi", "Môi trường thực hiện",
               "Phương pháp và các thay đổi", "Danh mục chứng cứ", "Trình bày chứng cứ", "Chuỗi lưu giữ chứng cứ",
               "Điểm kiểm tra nhật ký lưu giữ chứng cứ", "Dấu thời gian tin cậy", "Cách kiểm tra tính toàn vẹn",
               "Giới hạn", "Chữ ký"]
SECTIONS_EN = ["Legal basis and mandate", "Examiners and witnesses", "Scope", "Environment",
               "Methodology and changes made", "Evidence inventory", "Exhibits", "Chain of custody",
               "Custody-log checkpoint", "Trusted timestamps", "How to verify", "Limitations", "Signatures"]


@pytest.fixture
def rich_case(vault: Vault, filled_case: Case) -> Case:
    vault.set_setting("place", "Vĩnh Long")
    vault.set_setting("parent_agency", "Bộ Công an")
    add_web_capture(vault, filled_case, screenshot_height=3000)
    add_disk_items(vault, filled_case)
    return filled_case


def test_court_report_vietnamese(vault: Vault, rich_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "báo cáo.pdf"
    result = generate_report(vault, rich_case.number, out, ReportOptions(kind="court", lang="vi"))
    pages = pdf_pages(out)
    reader = PdfReader(str(out))
    assert len(pages) == len(reader.pages) == result.pages > 5
    text = "\n".join(pages)
    # every section, in order, with Vietnamese text extracted correctly
    positions = [text.find(f"{n}. {title}") for n, title in enumerate(SECTIONS_VI, 2)]
    assert all(p >= 0 for p in positions), [t for t, p in zip(SECTIONS_VI, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert "BÁO CÁO CHỨNG CỨ ĐIỆN TỬ" in text and "CÔNG AN TỈNH THỬ NGHIỆM" in text and "Vĩnh Long" in text
    assert "giờ Việt Nam, UTC+7" in text and re.search(r"ngày \d\d tháng \d+ năm 2026", text)
    # every item's SHA-256 and BLAKE3 appear, whole, on one line
    flat = squash(text)
    for item in vault.list_items(rich_case.id):
        if item.has_content and item.kind != "report":
            assert f"SHA-256 {item.sha256}" in text, item.name
            assert item.blake3 in flat
    # footers: "Trang X/Y" with the case number and report id on every page
    for number, page in enumerate(pages, 1):
        footer = page.strip().splitlines()[-1]
        assert f"Trang {number}/{len(pages)}" in footer
        assert rich_case.number in footer and result.report_id in footer
    # PDF metadata and an outline a reader can navigate
    assert reader.metadata.title.startswith("Báo cáo chứng cứ điện tử")
    assert len(reader.outline) >= 14


def test_hostile_strings_render_literally(vault: Vault, rich_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    generate_report(vault, rich_case.number, out, ReportOptions(kind="court", lang="en"))
    text = "\n".join(pdf_pages(out))
    assert HOSTILE["markup"] in text  # tags and entities printed, not interpreted
    assert "invoice[U+202E]gpj.exe" in text  # the override cannot flip a file name
    assert "bell[U+0007]here" in text
    assert HOSTILE["hebrew"] in text  # drawn in visual order, extracted in reading order
    assert "smile [U+1F600] unicorn [U+1F984]" in text
    assert "L" * 200 in squash(text) and "[…+" in text  # the 6,000-character field is cut, not overflowing
    # the file named with markup keeps its literal name in the inventory
    assert "<b>x<i> & y.txt" in text


def test_screenshots_are_tiled_and_the_page_is_not_blank(vault: Vault, rich_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    generate_report(vault, rich_case.number, out, ReportOptions(kind="court", lang="en"))
    pages = pdf_pages(out)
    tiles = [n for n, page in enumerate(pages, 1) if re.search(r"tile \d of \d", page)]
    assert len(tiles) >= 2  # 3000 px at 1280 wide does not fit one page
    counts = {int(m) for page in pages for m in re.findall(r"tile \d of (\d)", page)}
    assert counts == {len(tiles)}
    # the screenshot is embedded once however many tiles show it
    assert out.read_bytes().count(b"/Height 3000") == 1
    png = tmp_path / "tile"
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", str(tiles[0]), "-l", str(tiles[0]), str(out), str(png)],
                   check=True)
    rendered = next(tmp_path.glob("tile*.png"))
    image = Image.open(rendered).convert("L")
    histogram = image.histogram()
    assert sum(histogram[:250]) > 0.05 * sum(histogram)  # ink on the page, not blank white
    assert "Facebook" in "\n".join(pages) and "203.0.113.7" in "\n".join(pages)  # provenance table


def test_disk_exhibits_show_locator_history_and_exif(vault: Vault, rich_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    generate_report(vault, rich_case.number, out, ReportOptions(kind="court", lang="en"))
    text = "\n".join(pdf_pages(out))
    for expected in ("Location in the disk image", "1234-128-4", "possibly incomplete", "Browser history (1 rows)",
                     "EXIF metadata", "Canon", "Partitions", "NTFS / exFAT (0x07)", "Deleted files recovered"):
        assert expected in text, expected
    assert "https://news.example.vn/invoice[U+202E]gp" in text  # (the column wraps the rest)


def test_report_is_stored_logged_and_prints_the_checkpoint_taken_just_before(vault: Vault, rich_case: Case,
                                                                              tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    result = generate_report(vault, rich_case.number, out, ReportOptions(kind="court", lang="en"))
    item = vault.get_item(result.item.id)
    assert item.kind == "report" and item.case_id == rich_case.id
    assert b"".join(vault.read_item(item)) == out.read_bytes()
    actions = custody_actions(vault)
    generated = [(seq, details) for seq, action, details in actions if action == "report.generate"]
    assert len(generated) == 1
    seq, details = generated[0]
    size = result.checkpoint["size"]
    assert details["checkpoint_size"] == size and details["sha256"] == item.sha256
    # nothing but the report's own entries (views, the stored report, its generation) came after the checkpoint
    later = [action for s, action, _ in actions if s >= size]
    assert set(later) == {"item.view", "item.acquire", "report.generate"}
    # the root printed in the report is the Merkle root of exactly the entries before it
    root = merkle.root_hash(vault.custody.leaf_hashes(size)).hex()
    text = "\n".join(pdf_pages(out))
    assert root in squash(text)
    assert result.checkpoint["checkpoint"].split("\n")[2] == base64.b64encode(bytes.fromhex(root)).decode()
    # viewing the screenshots and text excerpts for the report was logged against each item
    viewed = {d["purpose"] for _, a, d in actions if a == "item.view"}
    assert viewed == {f"report {result.report_id}"}


def test_items_and_range_narrow_the_report(vault: Vault, rich_case: Case, tmp_path: Path) -> None:
    capture = next(i for i in vault.list_items(rich_case.id) if i.kind == "web_capture")
    screenshot = next(i for i in vault.list_items(rich_case.id) if i.kind == "screenshot")
    out = tmp_path / "r.pdf"
    generate_report(vault, rich_case.number, out, ReportOptions(kind="court", lang="en", items=(str(screenshot.id),)))
    text = "\n".join(pdf_pages(out))
    assert screenshot.sha256 in text and capture.source in text  # the capture record it belongs to is kept
    files = [i for i in vault.list_items(rich_case.id) if i.kind == "file"]
    assert all(f.sha256 not in text for f in files)
    empty = tmp_path / "empty.pdf"
    generate_report(vault, rich_case.number, empty, ReportOptions(kind="court", lang="en", date_from="2001-01-01",
                                                                  date_to="2001-12-31"))
    assert all(f.sha256 not in "\n".join(pdf_pages(empty)) for f in files)


def test_exhibit_registry_plugs_in_new_kinds(vault: Vault, case: Case, tmp_path: Path) -> None:
    assert renderer_for("never-heard-of").__class__ is ExhibitRenderer  # the fallback
    for kind in ("file", "folder", "web_capture", "screenshot", "disk_image", "extracted_file", "report"):
        assert kind in registered_kinds()
    with pytest.raises(ValueError, match="already registered"):
        register_exhibit("file")(ExhibitRenderer)
    import io

    with vault.batch(case) as batch:
        batch.add_content(io.BytesIO(b'{"text": "Xin ch\\u00e0o <i>world</i>"}'), kind="holo_message", name="msg.json",
                          source="urn:test", media_type="application/json", metadata={"sender": "An", "n": 3})
    out = tmp_path / "r.pdf"
    generate_report(vault, case.number, out, ReportOptions(kind="court", lang="vi"))
    text = "\n".join(pdf_pages(out))
    assert "holo_message" in text and "sender" in text and "<i>world</i>" in text  # generic renderer, literal


def test_broken_and_hostile_images_do_not_break_the_report(vault: Vault, case: Case, tmp_path: Path) -> None:
    import io
    import struct
    import zlib

    from .conftest import png

    good = png(400, 300, "ok")
    bomb_header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 200000, 200000, 8,
                                                                                         2, 0, 0, 0)
    bomb = bomb_header + struct.pack(">I", zlib.crc32(bomb_header[12:]) & 0xFFFFFFFF) + b"\x00" * 64
    long_text = ("Đoạn văn rất dài " * 400).encode()  # over the excerpt size: the head is still shown
    with vault.batch(case) as batch:
        for name, data in (("garbage.png", b"\x89PNG\r\n\x1a\n" + b"not really"), ("truncated.png", good[:len(good) // 2]),
                           ("bomb.png", bomb)):
            batch.add_content(io.BytesIO(data), kind="screenshot", name=name, source="urn:test", media_type="image/png")
        batch.add_content(io.BytesIO(long_text), kind="file", name="dài.txt", source="urn:test", media_type="text/plain")
    out = tmp_path / "r.pdf"
    generate_report(vault, case.number, out, ReportOptions(kind="court", lang="en"))
    text = "\n".join(pdf_pages(out))
    assert text.count("The image cannot be displayed") + text.count("image not decodable") == 3
    assert "Đoạn văn rất dài" in text


def test_keys_and_the_signed_checkpoint_copy_out_of_the_pdf_whole(vault: Vault, rich_case: Case,
                                                                    tmp_path: Path) -> None:
    """What a prosecutor copies from the paper or the PDF parses: never wrapped across lines."""
    from evidence_store.checkpoint import verify_checkpoint

    for kind in ("court", "minutes"):
        out = tmp_path / f"{kind}.pdf"
        result = generate_report(vault, rich_case.number, out, ReportOptions(kind=kind, lang="vi"))
        lines = [line.strip() for line in pdf_text(out).splitlines()]
        assert vault.examiner.fingerprint in lines  # whole, on one line of its own
        point = result.checkpoint
        if kind == "court":
            assert point["verifier_key"] in lines
            note_lines = point["checkpoint"].rstrip("\n").split("\n")
            start = lines.index(note_lines[0])
            body = note_lines[:note_lines.index("")]
            copied = "\n".join(lines[start:start + len(body)]) + "\n\n" + \
                next(x for x in lines if x.startswith("\u2014 ")) + "\n"
            assert verify_checkpoint(copied, point["verifier_key"]).size == point["size"]  # pasted, it verifies
