"""Capture work interrupted by a crash: found at the next start, cleaned up, recorded in the custody log.

Each capture batch runs in a :class:`collectors.web.staging.Staging` whose marker (pid, process start,
operation, vault, case: no evidence) lives in the user's data folder, so it outlives a reboot. At the
start of the next capture the markers of dead processes are found, whatever they left (the memory
folder, sealed files, the proxy's CA key) is removed, and the interrupted operation is logged in the
vault it concerned (``capture.interrupted``); a marker of another vault waits for that vault.
Folders of earlier versions (plaintext ``forensics-capture-*``, ``forensics-browser-*`` with a CA key)
are removed too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from collectors.web.staging import (
    Staging,
    forget_marker,
    orphaned_folders,
    recover_interrupted,
    remove_leftover,
    stale_leftovers,
)
from evidence_store import Case, NotFoundError, Vault

from .app_dirs import user_data_dir


def marker_dir() -> Path:
    return user_data_dir() / "running"


def vault_key(vault: Vault) -> str:
    return str(Path(vault.root).resolve())


def recover(vault: Vault) -> list[dict[str, Any]]:
    """Clean up after dead capture processes; log those of this vault. Returns the logged markers."""
    logged = []
    for record in recover_interrupted(marker_dir()):
        if record.get("vault") != vault_key(vault):
            continue  # cleaned up; its own vault records it when next used
        case = _case(vault, record.get("case"))
        vault.log("capture.interrupted", case=case, details={
            "operation": record.get("operation"), "pid": record.get("pid"), "started_at": record.get("started_at"),
            "urls": record.get("urls"), "batch": record.get("batch"),
            "cleaned_up": record.get("removed", []),
            "note": "the process ended without finishing (killed, crashed or powered off); nothing of this "
                    "batch was stored after the last capture it logged"})
        forget_marker(marker_dir(), record)
        logged.append(record)
    for leftover in [*stale_leftovers(), *orphaned_folders()]:
        remove_leftover(leftover)
    return logged


def start_staging(vault: Vault, case: Case, *, operation: str, urls: int, batch: str,
                  root: Path | None = None) -> Staging:
    return Staging.start(operation=operation, marker_dir=marker_dir(), root=root,
                         details={"vault": vault_key(vault), "case": case.number, "urls": urls, "batch": batch})


def _case(vault: Vault, number: Any) -> Case | None:
    if not number:
        return None
    try:
        return vault.get_case(str(number))
    except NotFoundError:  # the case is gone: the entry stands without it
        return None
