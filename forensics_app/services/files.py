"""Logical acquisition of local files and folders into a case."""

from __future__ import annotations

from pathlib import Path

from collectors.files import LocalFiles
from evidence_store import Vault
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

from . import case_access
from .ingest import StoreResult, store_artifacts


def add_files(vault: Vault, case_ref: str | int, paths: list[Path], *, extra_hashes: tuple[str, ...] = (),
              progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> StoreResult:
    """Acquire files and folders (structure kept as parent/child items).

    Sources that cannot be taken at all (missing, special files) fail the whole
    call before anything is written. Inside a folder, what is refused during the walk
    (special files, folders that cannot be listed, entries that cannot be examined) and
    a file that vanishes or fails while being read are skipped: each is a warning on its
    folder's item, is listed in ``skipped`` and in the ``files.add`` custody entry.
    """
    case = case_access.reach_case(vault, case_ref, "files add")
    collector = LocalFiles(paths)
    collector.check()
    plan = list(collector.artifacts())
    total = sum(a.size or 0 for a in plan)
    result = store_artifacts(vault, case, plan, total_bytes=total, extra_hashes=extra_hashes,
                             progress=progress, cancel=cancel)
    result.skipped = collector.refused + result.skipped
    vault.log("files.add", case=case, details={
        "paths": [str(p) for p in paths], "items": len(result.items),
        "refused": [{"source": source, "reason": reason} for source, reason in collector.refused],
        "skipped": [{"source": source, "reason": reason} for source, reason in result.skipped[len(collector.refused):]],
    })
    return result
