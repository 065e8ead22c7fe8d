"""Parse ``fls -r -p`` output and compare it with our listing (names, addresses, allocation)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from forensics_app.services.disk import iter_entries, open_image

_LINE = re.compile(rb"^(\S)/(\S) (\* )?(\S+?)(\(realloc\))?:\t(.*)$")


def fls_listing(image: list[Path], offset_sectors: int | None = None) -> set[tuple[bytes, str, bool]]:
    args = ["fls", "-r", "-p"]
    if offset_sectors:
        args += ["-o", str(offset_sectors)]
    result = subprocess.run(args + [str(p) for p in image], capture_output=True, timeout=120, check=True)
    rows = set()
    for line in result.stdout.splitlines():
        match = _LINE.match(line)
        assert match, line
        rows.add((match.group(6), match.group(4).decode(), bool(match.group(3))))
    return rows


def our_listing(image: Path, partition: int | None = None) -> set[tuple[bytes, str, bool]]:
    with open_image(image) as opened:
        index = partition or opened.partition(None).index
        return {(e.path, e.address, e.deleted) for e in iter_entries(opened, partition=index, recursive=True).entries}
