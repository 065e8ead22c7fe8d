"""Encrypted evidence vault: blobs, hashing, custody log and verification.

Only this package writes vault files. The public API is :data:`__all__`.
"""

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

__all__ = [
    "Batch", "Cancelled", "CancelToken", "Case", "CollectorError", "CustodyEntry", "Examiner",
    "ForensicsError", "IntegrityError", "Item", "ItemWarning", "MultiHasher", "NEVER_CANCELLED",
    "NotAVaultError", "NotFoundError", "PendingItem", "Problem", "Progress", "SourceError",
    "StorageFullError", "UsageError", "Vault", "VaultBusyError", "VaultDamagedError", "VaultError",
    "VaultExistsError", "VaultVersionError", "VerifyReport", "WrongPassphraseError", "canonical_json",
    "display_name", "hash_stream", "iso_utc", "no_progress", "parse_iso", "passphrase_strength",
    "safe_filename", "utc_now", "verify_bundle", "verify_inclusion", "verify_vault",
]
