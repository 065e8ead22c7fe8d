"""``fls -r -p`` output, and the same lines written from our listing, for comparisons entry for entry.

A line is ``TYPE/TYPE [* ]ADDRESS[(realloc)]:\\tPATH``: the name and metadata type
letters, the deleted marker, TSK's address, the reallocation marker and the path
as fls prints it (control characters as ``^``, see ``collectors.disk.names``).
Lists are compared whole, in order.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from collectors.disk.entries import Entry
from collectors.disk.names import fls_form
from forensics_app.services.disk import iter_entries, open_image


def fls_lines(image: list[Path], offset_sectors: int | None = None) -> list[bytes]:
    args = ["fls", "-r", "-p"]
    if offset_sectors:
        args += ["-o", str(offset_sectors)]
    result = subprocess.run(args + [str(p) for p in image], capture_output=True, timeout=120, check=True)
    return result.stdout.splitlines()


def fls_line(entry: Entry) -> bytes:
    """One entry as fls prints it."""
    deleted = b"* " if not entry.name_allocated else b""
    realloc = b"(realloc)" if entry.reallocated else b""
    return (f"{entry.name_type}/{entry.meta_type} ".encode() + deleted + entry.address.encode() + realloc
            + b":\t" + fls_form(entry.path))


def our_lines(image: Path, partition: int | None = None) -> list[bytes]:
    with open_image(image) as opened:
        index = partition or opened.partition(None).index
        return [fls_line(e) for e in iter_entries(opened, partition=index, recursive=True).entries]


# set views, for tests that only need names and addresses
def fls_listing(image: list[Path], offset_sectors: int | None = None) -> list[bytes]:
    return fls_lines(image, offset_sectors)


def our_listing(image: Path, partition: int | None = None) -> list[bytes]:
    return our_lines(image, partition)
