"""Our listing equals ``fls -r -p`` line for line (type letters, deleted and realloc markers,
addresses, paths, order) on every fixture.

fls is Debian's sleuthkit 4.11; we run pytsk3's bundled TSK 4.15. Where they
legitimately differ the difference is handled here, visibly:
- fls 4.11 cannot open QCOW images: the QCOW listing is compared with fls on the
  raw ``image.dd`` holding the same file system.
- body files: for a $FILE_NAME time stored as 0 (``$Secure`` in DFTT #7), fls prints
  the unsigned wrap of 1601-01-01 (3373865674); we print 0 ("not stored"), which
  mactime shows as no time at all. Every other body line is identical.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

from forensics_app.services.disk import open_image, write_timeline

from .fls_compare import fls_listing, our_listing

DFTT_IMAGES = ["6-undel-fat/6-fat-undel.dd", "7-undel-ntfs/7-ntfs-undel.dd", "2-kwsrch-fat/fat-img-kw.dd",
               "5-fat-daylight/daylight.dd", "8-jpeg-search/8-jpeg-search.dd"]


@pytest.mark.parametrize("rel", DFTT_IMAGES)
def test_dftt_listing_equals_fls(dftt: Path, rel: str) -> None:
    ours, theirs = our_listing(dftt / rel), fls_listing([dftt / rel])
    assert ours == theirs
    assert any(b" * " in line for line in ours) or "daylight" in rel or "jpeg" in rel


def test_dftt1_every_partition_equals_fls(dftt: Path) -> None:
    image = dftt / "1-extend-part" / "ext-part-test-2.dd"
    for index, start in enumerate([63, 52416, 104832, 157311, 209727, 262143], 1):
        assert our_listing(image, index) == fls_listing([image], start), index


@pytest.mark.parametrize("name", ["image.dd", "image.E01", "image.vmdk", "image.vhd"])
def test_tsk_containers_equal_fls(tsk_data: Path, name: str) -> None:
    assert our_listing(tsk_data / name) == fls_listing([tsk_data / name])


def test_qcow_equals_fls_on_the_raw_copy(tsk_data: Path) -> None:
    theirs = fls_listing([tsk_data / "image.dd"])
    assert our_listing(tsk_data / "image.qcow") == theirs
    probe = subprocess.run(["fls", str(tsk_data / "image.qcow")], capture_output=True, timeout=60)
    assert probe.returncode != 0  # if a newer fls learns QCOW, compare directly instead


def test_partitioned_e01_equals_fls(tsk_data: Path) -> None:
    image = tsk_data / "imageformat_mmls_1.E01"
    for index, start in ((1, 128), (2, 55424)):
        assert our_listing(image, index) == fls_listing([image], start)


@pytest.mark.parametrize("names", [["ext2.E01"], ["ext2.split.E01", "ext2.split.E02"],
                                   ["ext2.splitraw.000", "ext2.splitraw.001"], ["ímynd.dd"]])
def test_dfvfs_images_equal_fls(dfvfs_data: Path, names: list[str]) -> None:
    assert our_listing(dfvfs_data / names[0]) == fls_listing([dfvfs_data / n for n in names])


@pytest.mark.parametrize("name", ["ext4.img", "ext2.img", "fat.img", "ntfs.img"])
def test_built_images_equal_fls(built: Path, name: str) -> None:
    ours = our_listing(built / name)
    assert ours == fls_listing([built / name])
    assert len(ours) >= 5


def test_built_mbr_e01_partitions_equal_fls(built: Path) -> None:
    segments = sorted(built.glob("mbr.E0*"))
    assert len(segments) == 2
    for index, start in ((1, 2048), (2, 18432), (3, 40960)):
        assert our_listing(segments[0], index) == fls_listing(segments, start)


@pytest.mark.parametrize("zone", ["Asia/Ho_Chi_Minh", "America/New_York"])
@pytest.mark.parametrize("rel", ["6-undel-fat/6-fat-undel.dd", "7-undel-ntfs/7-ntfs-undel.dd",
                                 "5-fat-daylight/daylight.dd"])
def test_body_file_equals_fls_m(dftt: Path, rel: str, zone: str) -> None:
    """fls converts FAT local times with its process zone; ours uses the examiner's choice."""
    with open_image(dftt / rel, local_zone=zone) as image:
        buffer = io.StringIO()
        write_timeline(image, buffer)
    ours = sorted(buffer.getvalue().splitlines())
    fls = subprocess.run(["fls", "-r", "-m", "/", str(dftt / rel)], capture_output=True, timeout=60, check=True,
                         env={**os.environ, "TZ": zone}).stdout.decode("utf-8", "backslashreplace")
    theirs = sorted(fls.splitlines())
    zero_fn_time = "|3373865674|3373865674|3373865674|3373865674"
    expected = sorted(line.replace(zero_fn_time, "|0|0|0|0") if "($FILE_NAME)" in line else line for line in theirs)
    assert ours == expected


def test_names_realloc_and_hfsplus_equal_fls(built: Path) -> None:
    """Control characters (fls: ^), a reallocated inode (fls: * 16(realloc)), HFS+ inside an Apple map."""
    ours = our_listing(built / "names.img")
    assert ours == fls_listing([built / "names.img"])
    assert b"r/r * 16(realloc):\tc\xc5\xa9/old.txt" in ours and b"r/r 17:\tesc^[8mhidden" in ours
    with open_image(built / "hfsplus.iso") as image:
        hfs = next(p for p in image.partitions if p.description == "Apple_HFS")
        index, start = hfs.index, hfs.start_sector
    assert our_listing(built / "hfsplus.iso", index) == fls_listing([built / "hfsplus.iso"], start)
    assert our_listing(built / "exfat-label.img") == fls_listing([built / "exfat-label.img"])


def test_debian_samples_equal_fls(debian_samples: Path) -> None:
    """exFAT with deleted folders; an MBR disk whose ext4, exFAT and NTFS partitions were made by others."""
    ours = our_listing(debian_samples / "fs.exfat", 1)
    assert ours == fls_listing([debian_samples / "fs.exfat"], 2048)
    assert b"r/r * 1089548:\ttext2/test.sh" in ours
    for index, start in ((2, 227328), (3, 309248), (4, 391168)):
        assert our_listing(debian_samples / "fs.multiple", index) == fls_listing([debian_samples / "fs.multiple"],
                                                                                 start), index
