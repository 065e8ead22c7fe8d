"""Containers of one disk, GPT, the GUI's browser API, listing, timeline and search on the CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from forensics_app.services.disk import DiskBrowser, image_info, iter_entries, open_image


def listing(path: Path, partition: int) -> list[tuple[bytes, str, bool, int]]:
    with open_image(path) as image:
        return sorted((e.path, e.address, e.deleted, e.size)
                      for e in iter_entries(image, partition=partition, recursive=True).entries)


@pytest.mark.parametrize("name", ["mbr.E01", "mbr.vmdk", "mbr.vhd", "mbr.qcow2", "mbr-split.img.000",
                                  "mbr-alpha.img.aa"])
def test_every_container_of_the_mbr_disk_shows_the_same_files(built: Path, name: str) -> None:
    info = image_info(built / name)
    assert info["partition_table"] == "dos"
    assert [(p["start_sector"], p["file_system"]["type"]) for p in info["partitions"]] == [
        (2048, "fat16"), (18432, "ext2"), (40960, "ntfs")]
    assert [p["file_system"]["label"] for p in info["partitions"]] == ["USB_VN", None, "NTFS_VN"]
    for index in (1, 2, 3):
        assert listing(built / name, index) == listing(built / "mbr.img", index)
    if name.startswith("mbr-split"):
        assert info["container"]["format"] == "split_raw" and len(info["container"]["segments"]) == 3
    # the logical partition inside the extended one is there, and the table shows the extended container
    assert any("Extended" in t["description"] for t in info["table"])


def test_gpt_partitions_and_labels(built: Path) -> None:
    info = image_info(built / "gpt.img")
    assert info["partition_table"] == "gpt"
    assert [(p["description"], p["file_system"]["type"], p["file_system"]["label"]) for p in info["partitions"]] == [
        ("fat", "fat16", "USB_VN"), ("ext4", "ext4", "Ổ_DỮ_LIỆU")]
    ext4 = info["partitions"][1]["file_system"]
    assert ext4["inode_size"] == 256 and ext4["block_size"] == 1024


def test_browser_api_lists_lazily_and_describes_deleted_files(dftt: Path) -> None:
    with DiskBrowser(dftt / "7-undel-ntfs" / "7-ntfs-undel.dd") as browser:
        parts = browser.partitions()
        assert [p["file_system"]["type"] for p in parts] == ["ntfs"]
        root = browser.list_dir(1, "/")
        names = [e["name"] for e in root["entries"]]
        assert "dir1" in names and "frag3.dat" not in names  # one level only
        dir1 = next(e for e in root["entries"] if e["name"] == "dir1")
        assert dir1["is_directory"] and dir1["deleted"]
        inside = browser.list_dir(1, dir1["path"], inode=dir1["inode"])
        assert {e["name"] for e in inside["entries"]} == {"dir2", "mult2.dat"}
        ads = browser.details(1, "32:ADS")
        assert ads["size"] == 1234 and ads["recovery"]["state"] == "exact" and ads["has_content"]
    with DiskBrowser(dftt / "6-undel-fat" / "6-fat-undel.dd", local_zone="UTC") as browser:
        frag = next(e for e in browser.list_dir(1, "/")["entries"] if e["name"] == "_rag1.dat")
        assert frag["recovery"] == {"state": "possibly incomplete", "reasons": ["fat_contiguity_assumed"]}
        assert frag["times"]["modified"]["zone"] == "UTC"


def test_ls_json_keeps_raw_names_and_streams(cli, built: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("disk", "ls", str(built / "ext2.img"), "-r", "--json")
    assert result.code == 0, result.err
    rows = result.json()
    odd = next(r for r in rows if "bad" in r["path"])
    assert odd["path"] == "/bad\\xffname.txt" and bytes.fromhex(odd["path_bytes_hex"]) == b"bad\xffname.txt"
    assert any(w for w in [result.err] if "leads back" in w)
    deleted = cli("disk", "ls", str(built / "ext2.img"), "-r", "--deleted", "--json").json()
    assert [r["path"] for r in deleted] == ["/a/gone.txt"]  # type: ignore[index]
    ntfs = cli("disk", "ls", str(built / "ntfs.img"), "--json").json()
    stream = next(r for r in ntfs if r["name"] == "tệp.txt:bí_mật")  # type: ignore[union-attr]
    assert stream["stream"]["name"] == "bí_mật" and stream["times"]["born"]["precision"] == "100 ns"
    text = cli("disk", "ls", str(built / "fat.img"), "--path", "/thư mục")
    assert text.code == 0 and "/thư mục/tệp lớn.bin" in text.out


def test_timeline_is_a_body_file_mactime_reads(cli, built: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    body = tmp_path / "body.txt"
    result = cli("disk", "timeline", str(built / "fat.img"), "--out", str(body), "--json")
    assert result.code == 0, result.err
    assert result.json()["time_zone_assumed_for_fat"] == "Asia/Ho_Chi_Minh"
    lines = body.read_text("utf-8").splitlines()
    line = next(x for x in lines if "/ghi chú.txt|" in x)
    assert line.split("|")[8] == "1709281800"  # modified 2024-03-01T08:30:00Z, written as Hanoi local time
    mactime = subprocess.run(["mactime", "-b", str(body), "-z", "UTC", "-d", "2024-01-01"], capture_output=True,
                             timeout=60, check=True).stdout.decode()
    assert "Fri Mar 01 2024 08:30:00" in mactime and "/ghi chú.txt" in mactime
    again = cli("disk", "timeline", str(built / "fat.img"), "--out", str(body))
    assert again.code == 2 and "already exists" in again.err


def test_search_finds_deleted_content_and_unallocated_space(cli, built: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("disk", "search", str(built / "ext4.img"), "--keyword", "KEYWORD-DELETED", "--json")
    assert result.code == 0, result.err
    hits = result.json()
    assert len(hits) == 200 and {h["location"] for h in hits} == {"deleted file"}
    assert {h["path"] for h in hits} == {"/Tài liệu/tin nhắn đã xoá.txt"}  # debugfs kept the extent map
    ads = cli("disk", "search", str(built / "ntfs.img"), "--keyword", "KEYWORD-ADS", "--json").json()
    assert any(h["path"] == "/tệp.txt:bí_mật" and h["location"] == "file" for h in ads)  # type: ignore[union-attr]
    fat = cli("disk", "search", str(built / "mbr.img"), "--keyword", "KEYWORD-FATDEL", "--partition", "1",
              "--json").json()
    assert [h["location"] for h in fat] == ["deleted file"]  # type: ignore[union-attr]
    assert fat[0]["image_offset"] >= 2048 * 512  # type: ignore[index]
    utf16 = cli("disk", "search", str(built / "ntfs.img"), "--keyword", "tệp.txt", "--json").json()
    assert any(h["encoding"] == "utf-16-le" for h in utf16)  # type: ignore[union-attr]
    text = cli("disk", "search", str(built / "ext2.img"), "--keyword", "KEYWORD-EXT2")
    assert text.code == 0 and "/a/gone.txt" in text.out and "1 hit(s)" in text.err


def test_info_text_and_json_agree(cli, built: Path) -> None:  # type: ignore[no-untyped-def]
    text = cli("disk", "info", str(built / "mbr.E01"))
    data = json.loads(cli("disk", "info", str(built / "mbr.E01"), "--json").out)
    assert text.code == 0 and "stored MD5: " + data["container"]["stored_hashes"]["md5"] in text.out
    assert "case_number: VV-2026-001" in text.out and "ntfs label='NTFS_VN'" in text.out
    assert data["tools"]["tsk"].startswith("4.")
