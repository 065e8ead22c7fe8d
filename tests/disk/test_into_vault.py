"""``disk add`` and ``disk extract`` into real vaults, through the CLI and the services."""

from __future__ import annotations

import hashlib
import shutil
import struct
import zlib
from pathlib import Path

import blake3
import pytest

from evidence_store import Cancelled, CancelToken, Vault
from forensics_app.services.disk_acquire import add_image, extract
from forensics_app.services.disk_extract import Selection

DFTT7 = {"frag1.dat": "7a3bc5b763bef201202108f4ba128149", "frag2.dat": "0e80ab84ef0087e60dfc67b88a1cf13e",
         "sing1.dat": "59b20779f69ff9f0ac5fcd2c38835a79", "mult1.dat": "ffd27bd782bdce67750b6b9ee069d2ef",
         "mult1.dat:ADS": "ba1b9eedb1c091ddca253d35dde8f616", "frag3.dat": "21121699487f3fbbdb9a4b3391b6d3e0",
         "mult2.dat": "59cf0e9cd107bc1e75afb7374f6e05bb", "res1.dat": "9036637712b491904cd0bfbdbe648453",
         "sing2.dat": "c229626f6a71b167ad7e50c4f2fccdb1"}


def all_hashes(data: bytes) -> dict[str, str]:
    return {"md5": hashlib.md5(data).hexdigest(), "sha1": hashlib.sha1(data).hexdigest(),
            "sha256": hashlib.sha256(data).hexdigest(), "blake3": blake3.blake3(data).hexdigest()}


def new_case(cli) -> str:  # type: ignore[no-untyped-def]
    result = cli("case", "new", "--number", "VV-DISK-1", "--title", "Ổ đĩa thu giữ")
    assert result.code == 0, result.err
    return "VV-DISK-1"


def item_count(cli) -> int:  # type: ignore[no-untyped-def]
    return len(cli("items", "list", "--json").json())  # type: ignore[arg-type]


def test_add_e01_hashes_media_once_and_verifies_stored_hash(cli_vault, built: Path) -> None:  # type: ignore[no-untyped-def]
    case = new_case(cli_vault)
    result = cli_vault("disk", "add", str(built / "mbr.E01"), "--case", case, "--json")
    assert result.code == 0, result.err
    data = result.json()
    expected = all_hashes((built / "mbr.img").read_bytes())
    assert data["hashes"] == expected
    assert data["verification"]["result"] == "verified"
    assert set(data["verification"]["compared"]) == {"md5", "sha1"}
    item = data["item"]
    assert item["kind"] == "disk_image" and item["blob"] is None
    meta = item["metadata"]
    assert meta["container"]["format"] == "ewf" and len(meta["container"]["segments"]) == 2
    assert meta["container"]["stored_metadata"]["case_number"] == "VV-2026-001"
    assert [p["file_system"]["type"] for p in meta["partitions"]] == ["fat16", "ext2", "ntfs"]
    again = cli_vault("disk", "add", str(built / "mbr.E01"), "--case", case)
    assert again.code == 2 and "already registered" in again.err


def test_add_copy_stores_the_media_bytes_in_the_same_pass(cli_vault, dfvfs_data: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = new_case(cli_vault)
    result = cli_vault("disk", "add", str(dfvfs_data / "ext2.splitraw.000"), "--case", case, "--copy", "--json")
    assert result.code == 0, result.err
    item = result.json()["item"]
    raw = (dfvfs_data / "ext2.splitraw.000").read_bytes() + (dfvfs_data / "ext2.splitraw.001").read_bytes()
    hashes = all_hashes(raw)
    assert (item["sha256"], item["blake3"], item["md5"], item["sha1"]) == (
        hashes["sha256"], hashes["blake3"], hashes["md5"], hashes["sha1"])
    assert item["metadata"]["verification"]["result"] == "no stored hash"
    exported = cli_vault("items", "export", str(item["id"]), "--out", str(tmp_path / "out"))
    assert exported.code == 0, exported.err
    assert (tmp_path / "out" / "ext2.splitraw.000").read_bytes() == raw


def _tamper_stored_md5(folder: Path) -> None:
    """Flip the MD5 stored in the E01 set, fixing the section checksums so libewf still opens it."""
    import pyewf

    handle = pyewf.handle()
    handle.open(pyewf.glob(str(folder / "mbr.E01")), "r")
    digest = bytes.fromhex(handle.get_hash_values()["MD5"])
    handle.close()
    patched = 0
    for path in sorted(folder.glob("mbr.E0*")):
        data = bytearray(path.read_bytes())
        at = data.find(digest)
        while at >= 0:
            for length in (32, 76):  # "hash" and "digest" sections: data then Adler-32
                if struct.unpack_from("<I", data, at + length)[0] == zlib.adler32(bytes(data[at:at + length])):
                    data[at] ^= 0xFF
                    struct.pack_into("<I", data, at + length, zlib.adler32(bytes(data[at:at + length])))
                    patched += 1
                    break
            at = data.find(digest, at + 1)
        path.write_bytes(bytes(data))
    assert patched


def test_add_reports_a_stored_hash_mismatch_prominently(cli_vault, built: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "tampered"
    folder.mkdir()
    for segment in built.glob("mbr.E0*"):
        shutil.copy(segment, folder / segment.name)
    _tamper_stored_md5(folder)
    case = new_case(cli_vault)
    result = cli_vault("disk", "add", str(folder / "mbr.E01"), "--case", case)
    assert result.code == 1
    assert "does NOT match the hash stored at acquisition" in result.err
    item = cli_vault("items", "list", "--json").json()[-1]  # type: ignore[index]
    assert item["metadata"]["verification"]["result"] == "mismatch"
    assert item["warnings"][0]["code"] == "stored_hash_mismatch"
    assert item["metadata"]["verification"]["compared"]["sha1"]["match"] is True


def test_extract_deleted_ntfs_gives_the_published_md5s(cli_vault, dftt: Path) -> None:  # type: ignore[no-untyped-def]
    case = new_case(cli_vault)
    image = dftt / "7-undel-ntfs" / "7-ntfs-undel.dd"
    result = cli_vault("disk", "extract", str(image), "--case", case, "--deleted", "--hash", "md5", "--json")
    assert result.code == 0, result.err
    summary = result.json()
    assert summary["image_added"] and summary["extracted"] == 9 and summary["possibly_incomplete"] == 0
    items = {i["id"]: i for i in cli_vault("items", "list", "--json").json()}  # type: ignore[union-attr]
    got = {items[i]["name"]: items[i]["md5"] for i in summary["items"]}
    assert got == DFTT7
    ads = next(items[i] for i in summary["items"] if items[i]["name"] == "mult1.dat:ADS")
    assert ads["kind"] == "extracted_file" and ads["parent_id"] == summary["image_item"]
    locator = ads["metadata"]["locator"]
    assert locator["inode"] == 32 and locator["address"] == "32-128-6" and locator["stream"]["name"] == "ADS"
    assert locator["allocation"] == "deleted" and locator["recovery"] == "exact"
    assert locator["path"] == "/mult1.dat:ADS" and bytes.fromhex(locator["path_bytes_hex"]) == b"mult1.dat:ADS"
    assert locator["partition_offset"] == 0 and locator["times"]["born"]["utc"].startswith("2004-02-29")
    # a second extraction reuses the registered image item (found by its files)
    again = cli_vault("disk", "extract", str(image), "--case", case, "--inode", "37", "--json").json()
    assert again["image_item"] == summary["image_item"] and not again["image_added"]
    by_type_id = cli_vault("disk", "extract", str(image), "--case", case, "--inode", "32-128-6", "--json").json()
    assert items_named(cli_vault, by_type_id["items"]) == ["mult1.dat:ADS"]


def items_named(cli, ids: list[int]) -> list[str]:  # type: ignore[no-untyped-def]
    return [cli("items", "show", str(i), "--json").json()["name"] for i in ids]


def test_extract_fat_flags_possibly_incomplete_and_records_the_zone(cli_vault, dftt: Path) -> None:  # type: ignore[no-untyped-def]
    case = new_case(cli_vault)
    result = cli_vault("disk", "extract", str(dftt / "6-undel-fat" / "6-fat-undel.dd"), "--case", case,
                       "--deleted", "--hash", "md5", "--json")
    assert result.code == 0, result.err
    summary = result.json()
    shown = [cli_vault("items", "show", str(i), "--json").json() for i in summary["items"]]
    frag = next(s for s in shown if s["name"] == "_rag1.dat")
    assert frag["md5"] == "c4f3b9a0f17d464f4fc61b94ecf6cc21"  # wrong content, and said so:
    assert frag["metadata"]["locator"]["recovery"] == "possibly incomplete"
    assert frag["warnings"][0]["code"] == "recovery_fat_contiguity_assumed"
    assert frag["warnings"][0]["message_vi"]
    sing = next(s for s in shown if s["name"] == "_ing.dat")
    assert sing["md5"] == "59b20779f69ff9f0ac5fcd2c38835a79" and sing["metadata"]["locator"]["recovery"] == "exact"
    assumption = sing["metadata"]["locator"]["time_zone_assumption"]
    assert assumption["zone_assumed"] == "Asia/Ho_Chi_Minh"
    assert summary["possibly_incomplete"] == sum(s["metadata"]["locator"]["recovery"] != "exact" for s in shown)


def test_extract_all_vietnamese_names_and_artifacts(cli_vault, built: Path) -> None:  # type: ignore[no-untyped-def]
    case = new_case(cli_vault)
    result = cli_vault("disk", "extract", str(built / "ext4.img"), "--case", case, "--all", "--json")
    assert result.code == 0, result.err
    shown = {s["metadata"]["locator"]["path"]: s for s in
             (cli_vault("items", "show", str(i), "--json").json() for i in result.json()["items"])}
    report = shown["/Tài liệu/báo cáo.txt"]
    assert report["name"] == "báo cáo.txt" and report["metadata"]["locator"]["times"]["modified"]["utc"] == \
        "2024-03-01T08:30:00.000000000Z"
    deleted = shown["/Tài liệu/tin nhắn đã xoá.txt"]
    assert deleted["metadata"]["locator"]["allocation"] == "deleted"
    assert deleted["metadata"]["locator"]["recovery"] == "possibly incomplete"  # ext4 wipes the extents
    chrome = shown["/profile/Default/History"]["metadata"]["browser_history"]
    visits = [r for r in chrome if r["type"] == "visit"]
    assert [v["url"] for v in visits] == ["https://vnexpress.net/tin-tuc"] * 2 + ["https://example.org/tai-lieu.zip"]
    assert visits[0]["time_utc"] == "2024-03-01T08:30:00.000000Z" and visits[0]["transition"] == "typed"
    download = next(r for r in chrome if r["type"] == "download")
    assert download["target_path"] == "/home/u/Downloads/tai-lieu.zip" and download["state"] == "complete"
    firefox = shown["/firefox/places.sqlite"]["metadata"]["browser_history"]
    assert [r["url"] for r in firefox if r["type"] == "visit"] == ["https://thanhnien.vn/", "https://example.org/anh.jpg"]
    fx_download = next(r for r in firefox if r["type"] == "download")
    assert fx_download["target_path"] == "file:///home/u/Downloads/anh.jpg" and fx_download["total_bytes"] == 2048
    exif = shown["/ảnh/máy ảnh.jpg"]["metadata"]["exif"][0]
    assert (exif["make"], exif["model"], exif["datetime_original"]) == ("Canon", "Canon EOS 80D", "2024:03:01 15:30:00")
    assert (exif["gps_latitude"], exif["gps_longitude"]) == ("21.029000", "105.852333")
    assert exif["time_note"] == "camera clock, offset +07:00"


def test_hostile_names_are_kept_in_metadata_and_sanitised_on_export(cli_vault, built: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = new_case(cli_vault)
    result = cli_vault("disk", "extract", str(built / "ext2.img"), "--case", case, "--all", "--json")
    assert result.code == 0, result.err
    assert any("leads back to a directory above it" in w["message"] for w in result.json()["warnings"])
    shown = [cli_vault("items", "show", str(i), "--json").json() for i in result.json()["items"]]
    raw_names = {bytes.fromhex(s["metadata"]["locator"]["path_bytes_hex"]) for s in shown}
    assert {b"CON", b"...", b"bad\xffname.txt", b"x_/_____y", b"a/gone.txt", b"../../"} <= raw_names
    out = tmp_path / "export"
    for item in shown:
        assert cli_vault("items", "export", str(item["id"]), "--out", str(out)).code == 0
    written = sorted(p.name for p in out.iterdir())
    assert all("/" not in name and "\x00" not in name for name in written)
    assert {"_CON", "bad_xffname.txt", "x_______y", "gone.txt", "n_"} <= set(written)
    assert any(name.startswith("item-") for name in written)  # "..." has no safe form: the item id
    assert all(p.parent == out for p in out.iterdir())


def test_bad_input_is_one_line_exit_2_and_writes_nothing(cli_vault, built: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = new_case(cli_vault)
    before = item_count(cli_vault)
    random = tmp_path / "random.bin"
    random.write_bytes(bytes((i * 7919 + 13) % 251 for i in range(300_000)))
    missing = tmp_path / "missing"
    missing.mkdir()
    shutil.copy(built / "mbr.E01", missing / "mbr.E01")  # E02 left behind
    cases = [
        (["disk", "ls", str(built / "empty.img")], "empty (0 bytes)"),
        (["disk", "ls", str(random)], "no partition table or file system"),
        (["disk", "info", str(missing / "mbr.E01")], "segment set is incomplete"),
        (["disk", "ls", str(tmp_path / "nope.img")], "no such image file"),
        (["disk", "ls", str(built / "ext4.img"), "--timezone", "Mars/Olympus"], "unknown time zone"),
        (["disk", "extract", str(built / "ext4.img"), "--case", case, "--inode", "x1"], "--inode wants"),
        (["disk", "extract", str(built / "ext4.img"), "--case", case, "--path", "/không-có.txt"], "has no"),
        (["disk", "extract", str(built / "ext4.img"), "--case", case, "--all", "--deleted"], "exactly one"),
        (["disk", "extract", str(built / "mbr.img"), "--case", case, "--all", "--partition", "9"], "no partition 9"),
        (["disk", "extract", str(built / "empty.img"), "--case", case, "--all"], "empty (0 bytes)"),
        (["disk", "add", str(missing / "mbr.E01"), "--case", case], "segment set is incomplete"),
        (["disk", "search", str(built / "ext4.img"), "--keyword", "(", "--regex"], "invalid regular expression"),
    ]
    for args, message in cases:
        result = cli_vault(*args)
        assert result.code == 2, (args, result.out, result.err)
        assert message in result.err, (args, result.err)
        assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1, result.err
    assert item_count(cli_vault) == before


def test_truncated_image_lists_what_it_can_with_warnings(cli_vault, built: Path) -> None:  # type: ignore[no-untyped-def]
    info = cli_vault("disk", "info", str(built / "truncated.img"), "--json")
    assert info.code == 0, info.err
    data = info.json()
    assert any(w["code"] == "partition_past_end" for w in data["warnings"])
    assert data["partitions"][0]["file_system"]["type"] == "fat16"  # still readable
    listing = cli_vault("disk", "ls", str(built / "truncated.img"), "--partition", "1", "--json")
    assert listing.code == 0 and any(e["name"] == "ghi chú.txt" for e in listing.json())


def test_cancel_leaves_only_whole_chunks_and_a_log_entry(vault: Vault, case, built: Path) -> None:  # type: ignore[no-untyped-def]
    token = CancelToken()
    calls = {"n": 0}

    def progress(done: int, total: int | None, label: str) -> None:
        calls["n"] += 1
        if calls["n"] == 9:
            token.cancel()

    with pytest.raises(Cancelled):
        extract(vault, case.id, built / "ext4.img", Selection(all=True), chunk_items=2, progress=progress,
                cancel=token)
    files = vault.list_items(case.id, kind="extracted_file")
    assert len(files) % 2 == 0 and len(files) < 9
    assert all(f.blob and f.metadata["locator"]["path"] for f in files)
    entries = vault.custody.entries()
    last = entries[-1].record
    assert last["action"] == "disk.extract" and last["details"]["cancelled"] is True
    assert not list((vault.root / "tmp").iterdir())
    token2 = CancelToken()
    token2.cancel()
    with pytest.raises(Cancelled):
        add_image(vault, case.id, built / "gpt.img", copy=True, cancel=token2)
    assert not vault.list_items(case.id, kind="disk_image")[1:]  # only the one extract registered
