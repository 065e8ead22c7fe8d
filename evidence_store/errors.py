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

Every error speaks both languages: a raise site gives the English ``message``
and ``message_vi`` (tests/test_catalogue.py walks every raise site and fails on
one without). Neither names a command-line flag or command: when the way out is
an option, ``remedy`` names it (:mod:`evidence_store.catalogue.remedies`), and
each shell words it its own way (the command line names the flag, the desktop
app the control, with a button that opens it).
"""

from __future__ import annotations

from typing import Any


class ForensicsError(Exception):
    """Base of every error this toolkit raises on purpose.

    ``str(error)`` is the English message with the command line's wording of the remedy (what the CLI prints);
    :meth:`text` is the message in a language, without it (the desktop app adds its own wording).
    """

    exit_code = 2
    default_vi = ""  # a class whose message never varies may word it once

    def __init__(self, message: str, *, message_vi: str = "", remedy: str = "", **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.message_vi = message_vi or self.default_vi
        self.remedy = remedy
        self.context = context

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` (``vi`` or ``en``), without the remedy."""
        return (self.message_vi or self.message) if lang == "vi" else self.message

    def __str__(self) -> str:
        if not self.remedy:
            return self.message
        from .catalogue.remedies import cli_remedy

        return f"{self.message}; {cli_remedy(self.remedy)}"


def bilingual(exc: BaseException) -> tuple[str, str]:
    """(English, Vietnamese) wording of any exception met at a boundary: ours as they are, the operating
    system's and the network's (``[Errno 2] …``, ``Name or service not known``) in words."""
    if isinstance(exc, ForensicsError):
        return str(exc), exc.text("vi")
    from .catalogue.system import describe

    return describe(exc)


def one_line(exc: BaseException, *, last: bool = False, limit: int = 200) -> str:
    """One line of an exception's own text for a warning's details (its type's name when it says nothing): the
    first line, or the last with ``last`` (pytsk3 and libyal put the cause on the last line)."""
    lines = str(getattr(exc, "message", "") or exc).strip().splitlines()
    return lines[-1 if last else 0][:limit] if lines else type(exc).__name__


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
    default_vi = "đã dừng theo yêu cầu của người dùng; không có gì bị ghi dở"
