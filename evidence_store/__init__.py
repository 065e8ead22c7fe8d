"""Encrypted evidence vault: blobs, hashing, custody log and verification.

Only this package writes vault files. The public API is :data:`__all__`.

Names are loaded on first use (PEP 562): opening a vault to show it (the desktop
app's start) needs the database, keys and custody log, not ingest, verification
or proofs, and importing those would cost start-up time the user waits through.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: public name -> the module of this package that defines it
_HOME = {
    "Batch": "batch", "PendingItem": "batch",
    "canonical_json": "canonical", "iso_utc": "canonical", "parse_iso": "canonical", "utc_now": "canonical",
    "CustodyEntry": "custody",
    "Cancelled": "errors", "CollectorError": "errors", "ForensicsError": "errors", "IntegrityError": "errors",
    "NotAVaultError": "errors", "NotFoundError": "errors", "SourceError": "errors", "StorageFullError": "errors",
    "TokenError": "errors", "UsageError": "errors", "VaultBusyError": "errors", "VaultDamagedError": "errors",
    "VaultError": "errors", "VaultExistsError": "errors", "VaultVersionError": "errors", "WrongPassphraseError": "errors",
    "MultiHasher": "hashing", "hash_stream": "hashing",
    "passphrase_strength": "keyslots",
    "Case": "models", "Examiner": "models", "Item": "models", "ItemWarning": "models", "Problem": "models",
    "display_name": "naming", "safe_filename": "naming",
    "verify_bundle": "proofs", "verify_inclusion": "proofs",
    "NEVER_CANCELLED": "tasks", "CancelToken": "tasks", "Progress": "tasks", "no_progress": "tasks",
    "Vault": "vault",
    "VerifyReport": "verify", "verify_vault": "verify",
    "DEFAULT_ZONE": "zones", "checked_zone_name": "zones", "zone_info": "zones",
}

if TYPE_CHECKING:  # the same names, seen by type checkers and editors as plain imports
    from .batch import Batch, PendingItem
    from .canonical import canonical_json, iso_utc, parse_iso, utc_now
    from .custody import CustodyEntry
    from .errors import (
        Cancelled,
        CollectorError,
        ForensicsError,
        IntegrityError,
        NotAVaultError,
        NotFoundError,
        SourceError,
        StorageFullError,
        TokenError,
        UsageError,
        VaultBusyError,
        VaultDamagedError,
        VaultError,
        VaultExistsError,
        VaultVersionError,
        WrongPassphraseError,
    )
    from .hashing import MultiHasher, hash_stream
    from .keyslots import passphrase_strength
    from .models import Case, Examiner, Item, ItemWarning, Problem
    from .naming import display_name, safe_filename
    from .proofs import verify_bundle, verify_inclusion
    from .tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress
    from .vault import Vault
    from .verify import VerifyReport, verify_vault
    from .zones import DEFAULT_ZONE, checked_zone_name, zone_info


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # once: later lookups are plain module attributes
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "Batch", "Cancelled", "CancelToken", "Case", "CollectorError", "CustodyEntry", "DEFAULT_ZONE", "Examiner",
    "ForensicsError", "IntegrityError", "Item", "ItemWarning", "MultiHasher", "NEVER_CANCELLED",
    "NotAVaultError", "NotFoundError", "PendingItem", "Problem", "Progress", "SourceError",
    "StorageFullError", "TokenError", "UsageError", "Vault", "VaultBusyError", "VaultDamagedError", "VaultError",
    "VaultExistsError", "VaultVersionError", "VerifyReport", "WrongPassphraseError", "canonical_json",
    "display_name", "hash_stream", "iso_utc", "no_progress", "parse_iso", "passphrase_strength",
    "checked_zone_name", "safe_filename", "utc_now", "verify_bundle", "verify_inclusion", "verify_vault", "zone_info",
]
