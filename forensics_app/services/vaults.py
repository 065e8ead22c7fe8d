"""Finding, creating and opening vaults; key-slot and examiner management."""

from __future__ import annotations

import os
from pathlib import Path

from evidence_store import Vault

from .app_dirs import user_data_dir


def default_vault_path() -> Path:
    """``FORENSICS_VAULT`` if set, else ``<user data dir>/forensics-toolkit/vault``."""
    env = os.environ.get("FORENSICS_VAULT")
    if env:
        return Path(env).expanduser()
    return user_data_dir() / "vault"


def create_vault(path: Path, passphrase: str, examiner: str, *, position: str = "", agency: str = "",
                 unit: str = "") -> Vault:
    return Vault.create(path, passphrase, examiner, position=position, agency=agency, unit=unit)


def open_vault(path: Path, passphrase: str, examiner: str | None = None) -> Vault:
    return Vault.open(path, passphrase, examiner or os.environ.get("FORENSICS_EXAMINER") or None)
