"""``vault repair``: remove what an interrupted process left behind, and nothing else.

A kill -9 during an ingest leaves an unfinished temp file in ``tmp/`` or a blob
renamed into place whose database row was never committed; ``vault verify``
reports both for ever until they go. Repair lists exactly those (files no row
refers to, not written by a process that is still running), removes them only
when asked, and logs what it removed. It never touches a referenced blob, the
database or ``vault.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .vault import Vault


@dataclass
class RepairPlan:
    temp_files: list[Path] = field(default_factory=list)
    orphan_blobs: list[Path] = field(default_factory=list)
    running: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.temp_files and not self.orphan_blobs

    def to_json(self) -> dict[str, Any]:
        return {"temp_files": [str(p) for p in self.temp_files], "orphan_blobs": [str(p) for p in self.orphan_blobs],
                "running": self.running, "bytes": sum(_size(p) for p in self.temp_files + self.orphan_blobs)}


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def plan(vault: Vault) -> RepairPlan:
    """What repair would remove (under the writer lock, so no commit is half-way while we look)."""
    from .verify import _live_owner

    found = RepairPlan()
    with vault.lock:
        known = vault.blob_names()
        for temp in vault.blobs.list_temp():
            owner = _live_owner(temp.name)
            if owner is not None:
                found.running.append(f"{temp.name} (process {owner} is running)")
            else:
                found.temp_files.append(temp)
        for name, path in vault.blobs.list_names():
            if name not in known:
                found.orphan_blobs.append(path)
    return found


def repair(vault: Vault, expected: RepairPlan) -> RepairPlan:
    """Remove what ``expected`` listed, if it is still unreferenced; logged with every name and size."""
    with vault.lock:
        now = plan(vault)
        temps = [p for p in expected.temp_files if p in now.temp_files]
        blobs = [p for p in expected.orphan_blobs if p in now.orphan_blobs]
        done = RepairPlan(temps, blobs, now.running)
        facts = done.to_json()
        with vault._write():
            for path in temps + blobs:
                path.unlink(missing_ok=True)
            vault.log("vault.repair", details={"removed_temp_files": [p.name for p in temps],
                                               "removed_orphan_blobs": [p.name for p in blobs],
                                               "bytes": facts["bytes"]})
    return done
