"""APFS (issue 20, point 1): containers and volumes through libfsapfs, checked against TSK's pool tools.

TSK reads APFS only through its pool layer (``pstat``, ``fls -B``, ``icat -B``), which
pytsk3 does not expose; those command-line tools are the independent answer here.
Images: containers made by Debian's apfsprogs (``mkapfs``: an empty volume, alone and
inside a GPT disk), one whose superblock says "encrypted", and dfVFS's ``apfs.raw``
(made on macOS, with files) when it is in ``../shared/fixtures/disk/dfvfs``.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
from pathlib import Path

import pytest

from forensics_app.services.disk import image_info, open_image, write_timeline

from .fls_compare import fls_line


def pstat(image: Path, offset: int = 0) -> str:
    args = ["pstat"] + (["-o", str(offset)] if offset else []) + [str(image)]
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def apsb_blocks(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"APSB Block Number: (\d+)", text)]


def tsk_lines(image: Path, block: int, offset: int = 0, *extra: str) -> list[bytes]:
    args = ["fls", "-B", str(block), "-r", *extra] + (["-o", str(offset)] if offset else []) + [str(image)]
    return subprocess.run(args, capture_output=True, check=True, timeout=60).stdout.splitlines()


def our_lines(image: Path, partition: int) -> list[bytes]:
    from forensics_app.services.disk import iter_entries

    with open_image(image) as opened:
        return [fls_line(e) for e in iter_entries(opened, partition=partition, recursive=True).entries]


@pytest.mark.parametrize(("name", "partition", "offset"), [("apfs.img", 1, 0), ("gpt-apfs.img", 2, 20480)])
def test_container_and_volume_equal_pstat(built: Path, name: str, partition: int, offset: int) -> None:
    image = built / name
    tsk = pstat(image, offset)
    info = image_info(image)
    part = next(p for p in info["partitions"] if p["index"] == partition)
    fs, volume = part["file_system"], part["file_system"]
    assert fs["type"] == "apfs" and fs["label"] == "Ổ_APFS" and volume["encrypted"] is False
    assert f"Name (Role): {fs['label']} (" in tsk and "Encrypted: No" in tsk
    assert f"Container {fs['container_uuid']}" in tsk and f"Volume {fs['volume_uuid']}" in tsk
    assert part["start_sector"] == offset
    assert our_lines(image, partition) == tsk_lines(image, apsb_blocks(tsk)[0], offset, "-p")
    if name.startswith("gpt"):
        assert [p["file_system"]["type"] for p in info["partitions"]] == ["fat16", "apfs"]


def test_volume_marked_encrypted_is_reported_not_listed_as_empty(cli_vault, built: Path) -> None:  # type: ignore[no-untyped-def]
    image = built / "apfs-encrypted-flag.img"
    assert "Encrypted: Yes" in pstat(image)
    info = image_info(image)
    part = info["partitions"][0]
    assert part["file_system"] is None and "encrypted APFS volume" in part["file_system_error"]
    assert part["volume"]["encrypted"] is True and part["volume"]["label"] == "Ổ_APFS"
    assert [w["code"] for w in info["warnings"]] == ["encrypted_volume"]
    assert "encrypted" in cli_vault("disk", "ls", str(image)).one_line_error()
    assert cli_vault("case", "new", "--number", "VV-APFS", "--title", "t").code == 0
    added = cli_vault("disk", "add", str(image), "--case", "VV-APFS", "--json")
    assert added.code == 0, added.err
    assert [w["code"] for w in added.json()["item"]["warnings"]] == ["encrypted_volume"]


@pytest.fixture(scope="module")
def macos_apfs(repo_fixtures: Path) -> Path:
    path = repo_fixtures / "disk" / "apfs.raw"
    if not path.is_file():
        pytest.fail(f"dfVFS's test_data/apfs.raw (4 MB, Apache 2.0) is missing from {path.parent} (origin and hash: "
                    "fixtures/disk/README.md)", pytrace=False)
    return path


def test_macos_volume_lists_reads_and_timelines_as_tsk(cli_vault, macos_apfs: Path) -> None:  # type: ignore[no-untyped-def]
    tsk = pstat(macos_apfs)
    block = apsb_blocks(tsk)[0]
    assert our_lines(macos_apfs, 1) == tsk_lines(macos_apfs, block, 0, "-p")
    with open_image(macos_apfs) as image:
        body = io.StringIO()
        write_timeline(image, body)
    assert sorted(body.getvalue().splitlines()) == sorted(
        line.decode() for line in tsk_lines(macos_apfs, block, 0, "-m", "/"))
    assert cli_vault("case", "new", "--number", "VV-MAC", "--title", "t").code == 0
    result = cli_vault("disk", "extract", str(macos_apfs), "--case", "VV-MAC", "--all", "--json")
    assert result.code == 0, result.err
    items = {i["id"]: i for i in cli_vault.items()}
    extracted = [items[i] for i in result.json()["items"]]
    assert {i["name"] for i in extracted} >= {"passwords.txt", "a_file", "another_file"}
    for item in extracted:
        address = item["metadata"]["locator"]["address"]
        icat = subprocess.run(["icat", "-B", str(block), str(macos_apfs), address], capture_output=True, timeout=60)
        if icat.returncode:  # icat refuses a file with no data fork (a_resourcefork): nothing to compare
            assert item["size"] == 0 and icat.stdout == b"", item["name"]
        assert item["sha256"] == hashlib.sha256(icat.stdout).hexdigest(), item["name"]
        assert item["metadata"]["locator"]["file_system"] == "apfs"
    hits = cli_vault("disk", "search", str(macos_apfs), "--keyword", "place", "--json").json()
    assert [h["path"] for h in hits] == ["/passwords.txt"]  # type: ignore[index]
