"""Shared set-up for the report tests: a local TSA, evidence with hostile names, items of every kind.

Web captures and disk items are built here with the kinds and metadata shapes
CONTRIBUTING.md documents (``provenance``; ``partitions``/``container``;
``locator``, ``browser_history``, ``exif``), straight through the vault's batch.
"""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from evidence_store import Case, Item, Vault
from forensics_app.services.files import add_files

from .tsa_server import TimestampAuthority, start_tsa

HOSTILE = {
    "markup": "<b>bold</b> & <font size=40>big</font> &amp; <br/>",
    "rlo": "invoice\u202egpj.exe",
    "hebrew": "שלום עולם",
    "emoji": "smile 😀 unicorn 🦄",
    "control": "bell\x07here",
    "long": "L" * 6000,
}


@pytest.fixture(scope="session")
def tsa() -> Iterator[TimestampAuthority]:
    authority = start_tsa("Local")
    yield authority
    authority.stop()


@pytest.fixture(scope="session")
def rogue_tsa() -> Iterator[TimestampAuthority]:
    """A second TSA whose root nobody configured."""
    authority = start_tsa("Rogue")
    yield authority
    authority.stop()


def use_tsa(vault: Vault, *authorities: TimestampAuthority, trust: tuple[TimestampAuthority, ...] | None = None) -> None:
    vault.set_setting("tsa_urls", [a.url for a in authorities])
    vault.set_setting("tsa_roots", [a.pki.root_pem for a in (authorities if trust is None else trust)])


def png(width: int, height: int, label: str = "") -> bytes:
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 80):
        draw.rectangle([0, y, width, y + 40], fill=(205, 222, 245))
        draw.text((10, y + 12), f"{label} row {y}", fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg(width: int = 320, height: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 30, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def evidence_dir(tmp_path: Path) -> Path:
    root = tmp_path / "thu giữ"
    (root / "tin nhắn").mkdir(parents=True)
    (root / "bài đăng.txt").write_text("Nội dung bài đăng sai sự thật.\n" + HOSTILE["markup"] + "\n"
                                       + HOSTILE["rlo"] + "\n" + HOSTILE["hebrew"] + " 123\n" + HOSTILE["emoji"]
                                       + "\n" + HOSTILE["control"] + "\n", "utf-8")
    (root / "tin nhắn" / "<b>x<i> & y.txt").write_text("tag name\n", "utf-8")
    (root / "tin nhắn" / f"{HOSTILE['rlo']}").write_bytes(b"MZ fake\n")
    (root / "ảnh.jpg").write_bytes(jpeg())
    return root


@pytest.fixture
def filled_case(vault: Vault, case: Case, evidence_dir: Path) -> Case:
    add_files(vault, case.id, [evidence_dir])
    return case


def add_web_capture(vault: Vault, case: Case, *, url: str = "https://social.example.vn/post/123",
                    title: str = HOSTILE["markup"], screenshot_height: int = 2600) -> list[Item]:
    """A web capture the way the web collector stores one: a record with provenance, parts as children."""
    provenance = {"requested_url": url, "final_url": url + "?ref=share", "redirects": [url, url + "?ref=share"],
                  "status": 200, "title": title, "server_ip": "203.0.113.7", "platform": "Facebook",
                  "started_at": "2026-11-30T02:00:00.000000Z", "finished_at": "2026-11-30T02:00:41.000000Z",
                  "clock": {"checked": True, "server": "pool.ntp.org", "offset_ms": 42.0, "delay_ms": 8.5,
                            "stratum": 2}, "egress_ip": "198.51.100.20", "account": "",
                  "tool": {"name": "forensics-toolkit", "version": "0.1.0", "code_sha256": "ab" * 32},
                  "workstation": "capture-pc", "user_agent": HOSTILE["rlo"], "long_field": HOSTILE["long"]}
    wacz = io.BytesIO()
    with zipfile.ZipFile(wacz, "w") as archive:
        archive.writestr("datapackage.json", json.dumps({"profile": "data-package", "resources": []}))
    with vault.batch(case) as batch:
        parent = batch.add_record(kind="web_capture", name=url, source=url, metadata={"provenance": provenance})
        batch.add_content(io.BytesIO(png(1280, screenshot_height, "page")), kind="screenshot", name="screenshot.png",
                          source=url, parent=parent, media_type="image/png")
        batch.add_content(io.BytesIO(f"<html><title>{title}</title></html>".encode()), kind="html",
                          name="page.html", source=url, parent=parent, media_type="text/html")
        batch.add_content(io.BytesIO(("Post text " + HOSTILE["hebrew"] + " " + HOSTILE["emoji"]).encode()),
                          kind="page_text", name="page.txt", source=url, parent=parent, media_type="text/plain")
        batch.add_content(io.BytesIO(wacz.getvalue()), kind="wacz", name="capture.wacz", source=url, parent=parent,
                          media_type="application/wacz")
    return batch.committed


def add_disk_items(vault: Vault, case: Case) -> list[Item]:
    """A registered disk image with an extracted browser-history database and a photo."""
    with vault.batch(case) as batch:
        image = batch.add_record(kind="disk_image", name="laptop.E01", source="/evidence/laptop.E01", metadata={
            "container": {"format": "EWF", "path": "/evidence/laptop.E01", "segments": 2,
                          "stored_hashes": {"md5": "0" * 32}},
            "partitions": [{"index": 0, "start": 2048, "length": 204800, "description": "NTFS / exFAT (0x07)"},
                           {"index": 1, "start": 206848, "length": 409600, "description": "Linux (0x83)"}]})
        batch.add_content(io.BytesIO(b"SQLite format 3\x00" + b"\x00" * 200), kind="extracted_file", name="History",
                          source="/evidence/laptop.E01#p0/Users/an/AppData/History", parent=image, metadata={
                              "locator": {"image": "/evidence/laptop.E01", "partition_offset": 1048576,
                                          "inode": "1234-128-4", "stream": "$DATA",
                                          "path": "/Users/an/AppData/History", "allocation": "allocated",
                                          "recovery": "exact"},
                              "browser_history": [{"visit_time": "2026-11-01T03:04:05Z",
                                                   "url": "https://news.example.vn/" + HOSTILE["rlo"],
                                                   "title": HOSTILE["markup"], "visit_count": 3}]})
        batch.add_content(io.BytesIO(jpeg(200, 120)), kind="extracted_file", name="IMG_0001.jpg",
                          source="/evidence/laptop.E01#p0/DCIM/IMG_0001.jpg", parent=image, media_type="image/jpeg",
                          metadata={"locator": {"partition_offset": 1048576, "inode": 77, "path": "/DCIM/IMG_0001.jpg",
                                                "allocation": "deleted", "recovery": "possibly incomplete"},
                                    "exif": {"Make": "Canon", "DateTimeOriginal": "2026:10:31 08:00:00",
                                             "GPSLatitude": "10.25"}})
    return batch.committed


def pdf_pages(path: Path) -> list[str]:
    """Text of each page, by poppler's pdftotext (an independent parser)."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def squash(text: str) -> str:
    return "".join(text.split())


def custody_actions(vault: Vault) -> list[tuple[int, str, dict[str, Any]]]:
    return [(e.seq, e.record["action"], e.record["details"]) for e in vault.custody.entries()]
