"""The disk step of ``forensics demo``: build a tiny FAT image, delete a file, recover it into the vault.

Uses Debian's mkfs.fat and mtools (installed by the set-up); without them the
step says so and the demo goes on.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from evidence_store import DEFAULT_ZONE, Case, Vault

from .disk_acquire import add_image, extract
from .disk_extract import Selection

NOTE = "Tin nhắn đã xoá (mẫu thử nghiệm) — a deleted message recovered from a demo USB image.\n"


def build_demo_image(folder: Path) -> Path | None:
    """A 2 MiB FAT12 image with two files, one of them deleted; None when the tools are missing."""
    if not all(shutil.which(tool) for tool in ("mkfs.fat", "mcopy", "mdel")):
        return None
    image = folder / "usb-demo.img"
    source = folder / "usb-files"
    source.mkdir(parents=True, exist_ok=True)
    (source / "ghi chú.txt").write_text("Ghi chú còn trên USB / a note still on the stick.\n", "utf-8")
    (source / "tin nhắn.txt").write_text(NOTE, "utf-8")
    with image.open("wb") as handle:
        handle.truncate(2 << 20)
    env = {"MTOOLS_SKIP_CHECK": "1", "LC_ALL": "C.UTF-8", "TZ": DEFAULT_ZONE, "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"}
    for args in (["mkfs.fat", "-n", "DEMO_USB", str(image)],
                 ["mcopy", "-i", str(image), str(source / "ghi chú.txt"), str(source / "tin nhắn.txt"), "::/"],
                 ["mdel", "-i", str(image), "::/tin nhắn.txt"]):
        subprocess.run(args, check=True, capture_output=True, env=env, timeout=60)
    return image


def run_disk_step(vault: Vault, case: Case, workdir: Path, step: Any) -> bool:
    image = build_demo_image(workdir / "disk")
    if image is None:
        step("disk image step skipped (mkfs.fat/mtools not installed)", {})
        return True
    added = add_image(vault, case.id, image)
    step("disk image registered (MD5, SHA-1, SHA-256, BLAKE3 in one pass)",
         {"item": added.item.id, "sha256": added.hashes["sha256"]})
    result = extract(vault, case.id, image, Selection(deleted=True), image_item=added.item.id)
    recovered = [vault.get_item(i) for i in result.item_ids]
    step("deleted file recovered from the image into the vault",
         {"files": [f"{i.metadata['locator']['path']} ({i.metadata['locator']['recovery']}) {i.sha256}"
                    for i in recovered]})
    content = b"".join(vault.read_item(recovered[0])) if recovered else b""
    return content == NOTE.encode("utf-8")
