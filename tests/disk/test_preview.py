"""``disk cat``: a look at a file inside an image without extracting it, checked against icat, pdftotext and file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def icat(image: Path, address: str, offset: int = 0) -> bytes:
    args = ["icat"] + (["-o", str(offset)] if offset else []) + [str(image), address]
    return subprocess.run(args, capture_output=True, check=True, timeout=60).stdout


def file_type(data: bytes) -> str:
    return subprocess.run(["file", "--brief", "--mime-type", "-"], input=data, capture_output=True, check=True,
                          timeout=60).stdout.decode().strip()


def test_deleted_pdf_pages_equal_pdftotext(cli, debian_samples: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    image = debian_samples / "fs.exfat"
    shown = cli("disk", "cat", str(image), "--path", "/text2/d-text.pdf", "--json")
    assert shown.code == 0, shown.err
    data = shown.json()
    assert data["shown_as"] == "pdf" and data["pdf"]["pages"] == 2 and data["entry"]["deleted"]
    assert data["type"]["media_type"] == "application/pdf" and not data["type"]["extension_mismatch"]
    assert data["recovery"]["state"] == "possibly incomplete"
    raw = icat(image, data["entry"]["address"], 2048)
    (tmp_path / "d.pdf").write_bytes(raw)  # the test's own copy, for the independent reader
    for number, text in enumerate(data["pdf"]["text"], 1):
        theirs = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), str(tmp_path / "d.pdf"), "-"],
                                capture_output=True, text=True, check=True, timeout=60).stdout
        assert text.split() == theirs.split()
    assert data["logged"] is None


def test_text_hex_and_image_equal_icat_and_file(cli, debian_samples: Path) -> None:  # type: ignore[no-untyped-def]
    image = debian_samples / "fs.exfat"
    script = cli("disk", "cat", str(image), "--path", "/text2/test.sh")
    assert script.code == 0, script.err
    assert script.out == icat(image, "1089548", 2048).decode() + "\n"
    assert "text, encoding ascii" in script.err and "not logged: no --case given" in script.err
    hexed = cli("disk", "cat", str(image), "--path", "/audio1/debian.mp3", "--as", "hex", "--bytes", "32", "--json")
    assert bytes.fromhex(hexed.json()["hex"]) == icat(image, "515", 2048)[:32]
    picture = cli("disk", "cat", str(image), "--path", "/pic1/debian.png", "--json").json()
    described = subprocess.run(["file", "--brief", "-"], input=icat(image, "398094", 2048), capture_output=True,
                               check=True, timeout=60).stdout.decode()
    facts = picture["image"]  # type: ignore[index]
    assert f"{facts['width']} x {facts['height']}" in described and facts["format"] == "PNG"


def test_type_from_content_flags_a_lying_extension(cli, built: Path) -> None:  # type: ignore[no-untyped-def]
    image = built / "ext4.img"
    shown = cli("disk", "cat", str(image), "--path", "/Xem trước/hợp đồng.pdf")
    assert shown.code == 0, shown.err
    assert "content: image/jpeg" in shown.err and "EXTENSION MISMATCH: the name says application/pdf" in shown.err
    data = cli("disk", "cat", str(image), "--path", "/Xem trước/hợp đồng.pdf", "--json").json()
    assert data["type"]["media_type"] == file_type(icat(image, str(data["entry"]["inode"]))) == "image/jpeg"  # type: ignore[index]
    assert data["type"]["extension_mismatch"] and data["shown_as"] == "image"  # type: ignore[index]
    text = cli("disk", "cat", str(image), "--path", "/Xem trước/biên bản utf16.txt", "--json").json()
    assert text["text"] == "Biên bản thu thập: nội dung UTF-16.\n" and text["encoding"] == "utf_16"  # type: ignore[index]
    assert not text["type"]["extension_mismatch"]  # type: ignore[index]
    report = cli("disk", "cat", str(image), "--path", "/Tài liệu/báo cáo.txt", "--json").json()
    assert report["text"].startswith("Báo cáo điều tra") and report["encoding"] == "utf_8"  # type: ignore[index]


def test_looking_is_logged_against_the_image_item_or_the_case(cli_vault, dftt: Path) -> None:  # type: ignore[no-untyped-def]
    image = dftt / "7-undel-ntfs" / "7-ntfs-undel.dd"
    assert cli_vault("case", "new", "--number", "VV-LOOK", "--title", "t").code == 0
    unregistered = cli_vault("disk", "cat", str(image), "--inode", "32:ADS", "--case", "VV-LOOK")
    assert unregistered.code == 0, unregistered.err
    assert "logged in the custody log on case VV-LOOK (the image is not registered in it)" in unregistered.err
    added = cli_vault("disk", "add", str(image), "--case", "VV-LOOK", "--json").json()
    shown = cli_vault("disk", "cat", str(image), "--path", "/mult1.dat:ADS", "--case", "VV-LOOK", "--json")
    assert shown.code == 0, shown.err
    assert shown.json()["logged"] == f"item {added['item']['id']}"
    log = cli_vault("custody", "log", "--json").json()
    views = [e for e in log if e["action"] in ("item.view", "disk.view")]  # type: ignore[union-attr]
    assert [e["action"] for e in views] == ["disk.view", "item.view"]
    assert views[1]["item"]["id"] == added["item"]["id"]
    assert views[1]["details"]["path"] == "/mult1.dat:ADS" and views[1]["details"]["bytes_read"] == 1234
    assert views[0]["details"]["registered"] is False and views[0]["details"]["address"] == "32-128-6"


@pytest.mark.parametrize(("args", "expected"), [
    (["--inode", "33"], "is a directory"),
    (["--path", "/dir1"], "is a directory"),
    (["--inode", "5", "--path", "/x"], "choose one of --inode or --path"),
    (["--path", "/không-có.txt"], "has no"),
])
def test_bad_requests_are_one_line_errors(cli, dftt: Path, args: list[str], expected: str) -> None:  # type: ignore[no-untyped-def]
    image = dftt / "7-undel-ntfs" / "7-ntfs-undel.dd"
    assert expected in cli("disk", "cat", str(image), *args).one_line_error()


def test_no_false_flags_on_real_files(debian_samples: Path) -> None:
    """Every file of the Debian sample (office documents, pictures, sound, video, PDFs, a script): its
    extension agrees with its content, and the type is what ``file --mime-type`` says."""
    from forensics_app.services.disk import iter_entries, open_image
    from forensics_app.services.disk_preview import preview

    image = debian_samples / "fs.exfat"
    checked = 0
    with open_image(image) as opened:
        for entry in iter_entries(opened, partition=1, recursive=True).entries:
            if not entry.has_content or entry.deleted or entry.name.startswith(b"$") or not entry.size:
                continue
            shown = preview(opened, entry, limit=1 << 16)
            assert not shown.type.mismatch, (entry.display_path, shown.type.to_json())
            assert shown.type.media_type == file_type(shown.data), entry.display_path
            checked += 1
    assert checked >= 15
