"""What images made by others showed (issue 20) and the silent gaps of damaged disks (issue 14).

Images: Debian's forensics-samples (exFAT with deleted folders; an MBR disk with ext4,
exFAT and NTFS partitions), images built by Debian's own tools (mkfs.exfat, xorriso's
HFS+, mkntfs, mke2fs + debugfs) and damaged copies of DFTT #7. The Sleuth Kit's command
line tools (fls, icat, istat, fsstat, mmls) are the independent answer.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from collectors.disk.names import fls_form, unescape_name
from forensics_app.services.disk import image_info, open_image, write_timeline

from .damage import bitmap_sizes_damaged, run_list_damaged


def fsstat(image: Path, offset: int = 0) -> str:
    args = ["fsstat"] + (["-o", str(offset)] if offset else []) + [str(image)]
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def fs_of(info: dict, index: int) -> dict:  # type: ignore[type-arg]
    return next(p for p in info["partitions"] if p["index"] == index)["file_system"]


# -- 2. volume labels -----------------------------------------------------------------------
def test_exfat_and_hfsplus_labels_equal_fsstat(built: Path, debian_samples: Path) -> None:
    exfat = fsstat(built / "exfat-label.img")
    assert "Volume Label (from root directory): USB ẢNH" in exfat
    assert fs_of(image_info(built / "exfat-label.img"), 1)["label"] == "USB ẢNH"
    hfs = image_info(built / "hfsplus.iso")
    part = next(p for p in hfs["partitions"] if p["description"] == "Apple_HFS")
    assert f"Volume Name: {part['file_system']['label']}\n" in fsstat(built / "hfsplus.iso", part["start_sector"])
    assert part["file_system"]["label"] == "HFS_NHAN"
    # the Debian sample's label entry is empty: fsstat names it $EMPTY_VOLUME_LABEL, we say there is none
    assert "$EMPTY_VOLUME_LABEL" in fsstat(debian_samples / "fs.exfat", 2048)
    assert fs_of(image_info(debian_samples / "fs.exfat"), 1)["label"] is None


# -- 7. the partition table as mmls prints it --------------------------------------------------
_MMLS = re.compile(r"^\d{3}:\s+(\S+(?: \S+)?)\s+(\d{10})\s+(\d{10})\s+(\d{10})\s+(.*)$")


def mmls_rows(image: Path) -> list[tuple[str, int, int, int, str]]:
    out = subprocess.run(["mmls", str(image)], capture_output=True, text=True, check=True, timeout=60).stdout
    rows = []
    for line in out.splitlines():
        if match := _MMLS.match(line):
            slot, start, end, length, description = match.groups()
            rows.append((slot, int(start), int(end), int(length), description.rstrip()))
    assert rows, out
    return rows


@pytest.mark.parametrize("name", ["gpt.img", "mbr.img", "hfsplus.iso", "fs.multiple"])
def test_partition_table_equals_mmls(built: Path, debian_samples: Path, name: str) -> None:
    image = debian_samples / name if name.startswith("fs.") else built / name
    ours = [(t["slot"], t["start_sector"], t["end_sector"], t["length_sectors"], t["description"])
            for t in image_info(image)["table"]]
    assert ours == mmls_rows(image)
    if name == "gpt.img":
        assert [p["table_slot"] for p in image_info(image)["partitions"]] == ["000", "001"]


# -- 3 and 6. reallocation in the timeline; control characters escaped, reversibly ---------------
def test_body_file_marks_reallocation_and_escapes_names_reversibly(built: Path) -> None:
    image = built / "names.img"
    with open_image(image) as opened:
        buffer = io.StringIO()
        write_timeline(opened, buffer)
    ours = buffer.getvalue()
    assert "|/cũ/old.txt (deleted-realloc)|16|" in ours
    assert "\x1b" not in ours and "\r" not in ours and "/a\\x7cb.txt|" in ours and "/back\\\\x41slash|" in ours
    fls = subprocess.run(["fls", "-r", "-m", "/", str(image)], capture_output=True, check=True, timeout=60).stdout
    # our escaping read back, then written as fls writes names (^ for a control character): the same lines
    as_fls = []
    for line in ours.splitlines():
        fields = line.split("|")
        assert len(fields) == 11, line
        name = fls_form(unescape_name(fields[1]))
        as_fls.append(b"|".join([fields[0].encode(), name] + [f.encode() for f in fields[2:]]))
    assert sorted(as_fls) == sorted(fls.splitlines())


def test_listing_escapes_control_characters_json_keeps_them(cli, built: Path) -> None:  # type: ignore[no-untyped-def]
    text = cli("disk", "ls", str(built / "names.img"), "-r")
    assert text.code == 0, text.err
    assert "\x1b" not in text.out and "\r" not in text.out
    shown = [line.split(" p1 ", 1)[1] for line in text.out.splitlines()]
    assert {"/esc\\x1b[8mhidden", "/line\\x0dover", "/back\\\\x41slash", "/a|b.txt", "/cũ/old.txt"} <= set(shown)
    rows = cli("disk", "ls", str(built / "names.img"), "-r", "--json").json()
    exact = {row["path"] for row in rows}  # type: ignore[union-attr]
    assert {"/esc\x1b[8mhidden", "/line\rover", "/back\\x41slash"} <= exact
    escaped = next(r for r in rows if r["name"] == "esc\x1b[8mhidden")  # type: ignore[union-attr]
    assert bytes.fromhex(escaped["path_bytes_hex"]) == b"esc\x1b[8mhidden"
    # the text form reads back to exactly the bytes JSON holds
    assert sorted(unescape_name(p) for p in shown) == sorted(r["path"].encode() for r in rows)  # type: ignore[union-attr]


# -- 4. unused NTFS MFT entries: listed, not extracted ------------------------------------------
def test_ntfs_entries_without_data_are_listed_not_extracted(cli_vault, built: Path) -> None:  # type: ignore[no-untyped-def]
    image = built / "ntfs.img"
    rows = cli_vault("disk", "ls", str(image), "-r", "--json").json()
    phantoms = [r for r in rows if r.get("no_data_attribute")]  # type: ignore[union-attr]
    assert [r["path"] for r in phantoms] == [f"/$OrphanFiles/OrphanFile-{n}" for n in range(16, 24)]
    assert subprocess.run(["icat", str(image), "16"], capture_output=True, timeout=60).returncode != 0
    assert cli_vault("case", "new", "--number", "VV-NTFS", "--title", "t").code == 0
    result = cli_vault("disk", "extract", str(image), "--case", "VV-NTFS", "--all", "--json")
    assert result.code == 0, result.err
    summary = result.json()
    names = {cli_vault("items", "show", str(i), "--json").json()["name"] for i in summary["items"]}
    assert not any(n.startswith("OrphanFile-") for n in names) and "tệp.txt:bí_mật" in names
    skipped = {s["path"]: s["reason"] for s in summary["skipped"]}
    assert all("no $DATA attribute" in skipped[f"/$OrphanFiles/OrphanFile-{n}"] for n in range(16, 24))
    one = cli_vault("disk", "extract", str(image), "--case", "VV-NTFS", "--inode", "16")
    assert "no content to extract" in one.one_line_error()


# -- 5. $BadClus:$Bad: not stored, which is not unreadable ----------------------------------------
@pytest.mark.parametrize("where", ["built", "sample"])
def test_badclus_stream_is_said_to_be_uninitialised(cli_vault, built: Path, debian_samples: Path, where: str) -> None:  # type: ignore[no-untyped-def]
    image, args = (built / "ntfs.img", []) if where == "built" else (debian_samples / "fs.multiple",
                                                                     ["--partition", "4"])
    offset = [] if where == "built" else ["-o", "391168"]
    assert "init_size: 0" in subprocess.run(["istat", *offset, str(image), "8"], capture_output=True, text=True,
                                             check=True, timeout=60).stdout
    icat = subprocess.run(["icat", *offset, str(image), "8-128-1"], capture_output=True, timeout=60).stdout
    assert cli_vault("case", "new", "--number", "VV-BAD", "--title", "t").code == 0
    result = cli_vault("disk", "extract", str(image), "--case", "VV-BAD", "--path", "/$BadClus:$Bad", *args,
                       "--json")
    assert result.code == 0, result.err
    item = cli_vault("items", "show", str(result.json()["items"][0]), "--json").json()
    assert item["size"] == len(icat) == 0
    locator = item["metadata"]["locator"]
    assert locator["recovery"] == "exact" and locator["initialised_size"] == 0 and locator["not_stored_from"] == 0
    codes = [w["code"] for w in item["warnings"]]
    assert codes == ["content_not_stored"]
    assert "never written" in item["warnings"][0]["message"] and str(locator["size"]) in item["warnings"][0]["message"]


# -- issue 14: a damaged $Bitmap, an MFT record TSK cannot open ------------------------------------
def test_unreadable_bitmap_means_no_deleted_file_is_exact(cli_vault, dftt: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    image = tmp_path / "bitmap-damaged.dd"
    bitmap_sizes_damaged(dftt / "7-undel-ntfs" / "7-ntfs-undel.dd", image)
    assert subprocess.run(["icat", str(image), "6"], capture_output=True, timeout=60).stdout.__len__() < 8192
    assert cli_vault("case", "new", "--number", "VV-BMP", "--title", "t").code == 0
    result = cli_vault("disk", "extract", str(image), "--case", "VV-BMP", "--deleted", "--json")
    assert result.code == 0, result.err
    summary = result.json()
    assert [w["code"] for w in summary["warnings"]] == ["allocation_map_unreadable"]
    shown = [cli_vault("items", "show", str(i), "--json").json() for i in summary["items"]]
    for item in shown:
        locator = item["metadata"]["locator"]
        if locator["stream"] and locator["stream"]["resident"]:
            assert locator["recovery"] == "exact"  # content inside the MFT record itself
        else:
            assert locator["recovery"] == "possibly incomplete", item["name"]
            assert "allocation_unreadable" in locator["recovery_reasons"]
            assert "recovery_allocation_unreadable" in [w["code"] for w in item["warnings"]]
    assert sum(1 for i in shown if i["metadata"]["locator"]["recovery"] == "possibly incomplete") == 8
    entry = custody_entry(cli_vault, summary["image_item"], "disk.extract")
    assert entry["details"]["warnings"][0]["code"] == "allocation_map_unreadable"


def custody_entry(cli, item_id: int, action: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    log = cli("custody", "log", "--json")
    assert log.code == 0, log.err
    entries = [e for e in log.json() if e["action"] == action and (e.get("item") or {}).get("id") == item_id]
    assert entries, log.out[:2000]
    return entries[-1]  # type: ignore[no-any-return]


def test_mft_record_tsk_cannot_open_is_a_warning_not_a_silent_gap(cli_vault, dftt: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    image = tmp_path / "runs-damaged.dd"
    run_list_damaged(dftt / "7-undel-ntfs" / "7-ntfs-undel.dd", image, 32)
    fls = subprocess.run(["fls", "-r", "-p", str(image)], capture_output=True, text=True, check=True, timeout=60)
    assert "mult1.dat" not in fls.stdout  # TSK itself leaves it out, without a word
    listed = cli_vault("disk", "ls", str(image), "-r")
    assert listed.code == 0 and "mult1.dat" not in listed.out
    assert "MFT entry 32 (mult1.dat) cannot be read" in listed.err and "missing from this listing" in listed.err
    assert cli_vault("case", "new", "--number", "VV-MFT", "--title", "t").code == 0
    result = cli_vault("disk", "extract", str(image), "--case", "VV-MFT", "--deleted", "--json")
    assert result.code == 0, result.err
    summary = result.json()
    assert [w["code"] for w in summary["warnings"]] == ["mft_entry_unreadable"]
    entry = custody_entry(cli_vault, summary["image_item"], "disk.extract")
    assert "mult1.dat" in entry["details"]["warnings"][0]["message"]


# -- issue 14: browser databases parsed in memory, the log applied ---------------------------------
def test_browser_database_parsed_in_memory_with_its_wal(cli_vault, built: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli_vault("case", "new", "--number", "VV-WAL", "--title", "t").code == 0
    staging = tmp_path / "tmpdir"
    staging.mkdir()
    result = cli_vault.process("disk", "extract", str(built / "ext4.img"), "--case", "VV-WAL", "--path",
                               "/firefox-wal/places.sqlite", "--json", env={"TMPDIR": str(staging)})
    assert result.returncode == 0, result.stderr
    assert list(staging.iterdir()) == []  # nothing staged, not even for a moment's copy
    item = cli_vault("items", "show", str(json.loads(result.stdout)["items"][0]), "--json").json()
    ours = [(r["url"], r["time_utc"]) for r in item["metadata"]["browser_history"] if r["type"] == "visit"]
    assert ("https://tuoitre.vn/chi-trong-wal", "2024-03-01T10:00:00.000000Z") in ours
    # SQLite's own recovery of the same two files (copied out by icat, in the test only) agrees
    copy = tmp_path / "check"
    copy.mkdir()
    for name in ("places.sqlite", "places.sqlite-wal"):
        inode = next(r["inode"] for r in cli_vault("disk", "ls", str(built / "ext4.img"), "--path", "/firefox-wal",
                                                   "--json").json() if r["name"] == name)
        (copy / name).write_bytes(subprocess.run(["icat", str(built / "ext4.img"), str(inode)], capture_output=True,
                                                 check=True, timeout=60).stdout)
    conn = sqlite3.connect(copy / "places.sqlite")
    theirs = [row[0] for row in conn.execute("SELECT p.url FROM moz_historyvisits v JOIN moz_places p"
                                             " ON p.id = v.place_id ORDER BY v.visit_date, v.id")]
    conn.close()
    assert [url for url, _ in ours] == theirs and len(theirs) == 3


# -- issue 14: bad input --------------------------------------------------------------------------
def test_disk_info_on_a_text_file_is_an_input_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = tmp_path / "notes.txt"
    text.write_text("not a disk image\n" * 40, "utf-8")
    for command in ("info", "ls"):
        line = cli("disk", command, str(text)).one_line_error()
        assert "no partition table or file system" in line


# -- issue 14: a custody entry that cannot be written when an extraction is cancelled -----------------
def test_failed_custody_entry_on_cancel_is_not_swallowed(vault, case, dftt: Path,  # type: ignore[no-untyped-def]
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Cancel while another process holds the vault's writer lock: the examiner hears of both."""
    import sys

    from evidence_store import CancelToken, VaultError
    from forensics_app.services.disk_acquire import add_image, extract
    from forensics_app.services.disk_extract import Selection

    image = dftt / "7-undel-ntfs" / "7-ntfs-undel.dd"
    registered = add_image(vault, case.id, image).item
    monkeypatch.setenv("FORENSICS_LOCK_TIMEOUT", "0.5")
    cancel = CancelToken()
    holder: list[subprocess.Popen[str]] = []

    def progress(done: int, total: int | None, label: str) -> None:
        if holder:
            return
        holder.append(subprocess.Popen(
            [sys.executable, "-c", "import fcntl, sys; f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX);"
             " print('locked', flush=True); sys.stdin.read()", str(vault.root / "vault.lock")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
        assert holder[0].stdout is not None and holder[0].stdout.readline().strip() == "locked"
        cancel.cancel()

    try:
        with pytest.raises(VaultError) as caught:
            extract(vault, case.id, image, Selection(deleted=True), image_item=registered.id, parallel=False,
                    progress=progress, cancel=cancel)
    finally:
        for process in holder:
            process.communicate(timeout=30)
    message = str(caught.value)
    assert "cancelled" in message and "custody entry could not be written" in message and "locked" in message
    assert [e.record["action"] for e in vault.custody.entries(case_id=case.id)][-1] == "item.acquire"


@pytest.mark.slow
def test_exfat_sample_extraction_equals_icat(cli_vault, debian_samples: Path) -> None:  # type: ignore[no-untyped-def]
    """Every file of the Debian exFAT sample, deleted ones too, byte for byte as icat reads it."""
    import hashlib

    image = debian_samples / "fs.exfat"
    assert cli_vault("case", "new", "--number", "VV-EXFAT", "--title", "t").code == 0
    result = cli_vault("disk", "extract", str(image), "--case", "VV-EXFAT", "--all", "--json")
    assert result.code == 0, result.err
    items = {i["id"]: i for i in cli_vault.items()}
    extracted = [items[i] for i in result.json()["items"]]
    assert len(extracted) >= 40
    for item in extracted:
        address = item["metadata"]["locator"]["address"]
        icat = subprocess.run(["icat", "-o", "2048", str(image), address], capture_output=True, timeout=60)
        assert icat.returncode == 0, (address, icat.stderr)
        assert item["sha256"] == hashlib.sha256(icat.stdout).hexdigest(), item["metadata"]["locator"]["path"]
    deleted = [i for i in extracted if i["metadata"]["locator"]["allocation"] == "deleted"]
    assert {i["name"] for i in deleted} >= {"deleted.mp3", "d-text.pdf", "test.sh"}
    # exFAT keeps no chain for a deleted file: none with content is called exact (empty orphan entries are)
    assert [i["name"] for i in deleted if i["size"] and i["metadata"]["locator"]["recovery"] == "exact"] == []
