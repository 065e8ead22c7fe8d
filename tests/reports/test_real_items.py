"""Reports and packages of items made by the real collectors: Chromium captures of the local test site
(tests/web/site.py) and an ext4 image built by tests/disk/build_images.sh, extracted with pytsk3.

One module vault, filled once (the browser starts once); each test reads it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from evidence_store import Case, Item, Vault
from forensics_app.services.disk_acquire import add_image, extract
from forensics_app.services.disk_extract import Selection
from forensics_app.services.export import export_package
from forensics_app.services.report_package_verify import verify_package
from forensics_app.services.reports import ReportOptions, generate_report
from forensics_app.services.web import capture_web
from tests.conftest import PASSPHRASE, assert_verifies_clean
from tests.web.conftest import fast_options, http_site, site_material  # noqa: F401 (fixtures)

from .conftest import pdf_pages, squash

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


class Filled:
    def __init__(self, vault: Vault, case: Case, base: str) -> None:
        self.vault, self.case, self.base = vault, case, base

    def items(self, kind: str | None = None) -> list[Item]:
        return self.vault.list_items(self.case.id, kind=kind)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory, http_site: str) -> Iterator[Filled]:  # noqa: F811
    os.environ["FORENSICS_KDF_PROFILE"] = "test"
    root = tmp_path_factory.mktemp("real")
    vault = Vault.create(root / "vault", PASSPHRASE, "Nguyễn Văn Kiểm", position="Điều tra viên",
                         agency="Công an tỉnh Thử Nghiệm", unit="Phòng An ninh mạng")
    case = vault.create_case("VV-2026-100", "Thu thập thật / Real collectors")
    urls = [f"{http_site}/", f"{http_site}/redirect/1", f"{http_site}/tall"]
    result = capture_web(vault, case.id, urls, options=fast_options(tile_height=2000, video=False), concurrency=2)
    assert all(o.status == "captured" for o in result.outcomes), [o.error for o in result.outcomes]
    images = root / "images"
    images.mkdir()
    built = subprocess.run(["bash", str(ROOT / "tests" / "disk" / "build_images.sh"), str(images), sys.executable],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    added = add_image(vault, case.id, images / "ext4.img")
    extract(vault, case.id, images / "ext4.img", Selection(all=True), image_item=added.item.id)
    yield Filled(vault, case, http_site)
    assert_verifies_clean(vault)
    vault.close()


def test_court_report_of_real_captures_and_disk_items(filled: Filled, tmp_path: Path) -> None:
    out = tmp_path / "court.pdf"
    generate_report(filled.vault, filled.case.number, out, ReportOptions(kind="court", lang="vi"))
    pages = pdf_pages(out)
    text = "\n".join(pages)
    flat = squash(text)
    for item in filled.items():
        if item.has_content and item.kind != "report":
            assert item.sha256 in text, (item.kind, item.name)
    image = filled.items("disk_image")[0]
    assert image.metadata["hashes"]["sha256"] in text  # the image's own hashes, though it is not copied
    # web: provenance, the redirect chain, the stitched screenshot shown in tiles
    assert f"{filled.base}/redirect/final" in flat
    assert "Đích chuyển hướng" in text  # the page title, in Vietnamese, as the browser saw it
    assert "mảnh 1/" in text  # the tall page's screenshot, tiled across pages
    assert "Mảnh này là một phần của ảnh chụp toàn trang" in text  # the browser's own tiles: not drawn twice
    # disk: where each file was, what was deleted, browser history and EXIF rows
    assert "/Tài liệu/tin nhắn đã xoá.txt" in text and "possibly incomplete" in text
    assert "https://vnexpress.net/tin-tuc" in flat and "Tin tức mới nhất" in text
    assert "Canon EOS 80D" in text and "21.029000" in text
    assert "Ổ_DỮ_LIỆU" in text and "whole image (no partition table)" in text  # the partition, its label


def test_minutes_one_per_capture_and_disk(filled: Filled, tmp_path: Path) -> None:
    out = tmp_path / "minutes.pdf"
    generate_report(filled.vault, filled.case.number, out, ReportOptions(kind="minutes", lang="vi"))
    text = "\n".join(pdf_pages(out))
    assert text.count("BIÊN BẢN") == 4  # three captures and the disk image
    assert f"→ {filled.base}/redirect/final" in text
    assert "verification: no stored hash" in text and "tsk 4.15.0" in text
    assert "chưa kiểm tra: máy chủ thời gian 127.0.0.1:9 không trả lời" in text  # no NTP server: said so, not hidden


def test_package_of_real_items(filled: Filled, tmp_path: Path) -> None:
    result = export_package(filled.vault, filled.case.number, tmp_path / "pkg")
    check = verify_package(result.path)
    assert check.ok, [f.to_json() for f in check.findings]
    waczs = sorted((result.path / "captures").glob("*.wacz"))
    assert len(waczs) == 3
    wacz = Path(sys.executable).parent / "wacz"
    validated = subprocess.run([str(wacz), "validate", "-f", str(waczs[0])], capture_output=True, text=True)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=result.path).returncode == 0


def test_statistics_of_real_items(filled: Filled, tmp_path: Path) -> None:
    out = tmp_path / "stats.pdf"
    generate_report(filled.vault, filled.case.number, out, ReportOptions(kind="stats", lang="en", period="2026"))
    text = "\n".join(pdf_pages(out))
    assert "127.0.0.1" in text and "disk image" in text and "web page capture" in text
