"""One error tree for the whole toolkit.

Every error a user can cause or meet carries a message they can act on; the
command line prints it on one line and exits 2, the GUI shows it in a dialog.
Third-party errors (SQLCipher, OS, Playwright, pytsk3) are translated at the
boundary with ``raise X(...) from exc``.

    ForensicsError
    ├── UsageError                  bad arguments or input the user can fix
    │   ├── NotFoundError           case, item, examiner or slot that does not exist
    │   ├── SourceError             a source file/URL/image that cannot be read
    │   └── TokenError              a PKCS#11 token: module, token or key not found, PIN wrong or locked
    ├── VaultError                  anything about the vault itself
    │   ├── NotAVaultError
    │   ├── VaultExistsError
    │   ├── VaultVersionError       written by a newer version of the tool
    │   ├── WrongPassphraseError
    │   ├── VaultDamagedError       vault.db or vault.json missing or unreadable
    │   ├── VaultBusyError          another process holds the writer lock
    │   ├── StorageFullError        the disk filled up during a write
    │   └── IntegrityError          content failed authentication or a hash check
    ├── CollectorError              a collector could not produce its artifact
    └── Cancelled                   the user asked to stop; nothing half-written remains
"""

from __future__ import annotations

from typing import Any


class ForensicsError(Exception):
    """Base of every error this toolkit raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def __str__(self) -> str:
        return self.message


class UsageError(ForensicsError):
    """Bad arguments or input the user can correct."""


class NotFoundError(UsageError):
    """A case, item, examiner or key slot that does not exist."""


class SourceError(UsageError):
    """A source (file, folder, URL, image) that cannot be read as asked."""


class TokenError(UsageError):
    """A hardware token (PKCS#11) that cannot be used as asked: its module, the token or its key is missing,
    or the PIN is wrong, locked or expired. Nothing was signed or written."""


class VaultError(ForensicsError):
    """A problem with the vault itself."""


class NotAVaultError(VaultError):
    pass


class VaultExistsError(VaultError):
    pass


class VaultVersionError(VaultError):
    pass


class WrongPassphraseError(VaultError):
    pass


class VaultDamagedError(VaultError):
    pass


class VaultBusyError(VaultError):
    pass


class StorageFullError(VaultError):
    pass


class IntegrityError(VaultError):
    pass


class CollectorError(ForensicsError):
    """A collector could not produce what was asked."""


class Cancelled(ForensicsError):
    """The user cancelled; the operation left nothing half-written."""

    exit_code = 130
