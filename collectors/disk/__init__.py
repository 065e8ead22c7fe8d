"""Disk images through The Sleuth Kit: containers, partitions, file systems, deleted files.

Collectors describe and read; they never write the vault (services do that).
"""

from .containers import Container, open_container
from .entries import Entry, Stream
from .image import DiskImage, FileSystem, Partition
from .reader import StreamReader
from .recovery import EXACT, POSSIBLY_INCOMPLETE, AllocationMap, Recovery, assess
from .timestamps import TimePolicy
from .walker import Walker, WalkOptions

__all__ = [
    "EXACT", "POSSIBLY_INCOMPLETE", "AllocationMap", "Container", "DiskImage", "Entry",
    "FileSystem", "Partition", "Recovery", "Stream", "StreamReader", "TimePolicy", "WalkOptions", "Walker",
    "assess", "open_container",
]
