"""An unlocked vault as the app holds it: a reader for the window, two lanes of work.

- ``reader``: the GUI thread's connection, for reads only (pages of tables,
  previews); in WAL mode it sees committed data and never waits for a writer.
- ``tasks``: long work (acquisition, verification, reports), one job at a time.
- ``quick``: short writes (a new case, a setting, the "viewed" entry of a
  preview) so they need not wait behind an hour-long disk image.

Each lane has its own connection (``Vault.sibling``); the vault's writer lock
serialises their commits. Locking closes the reader at once and the lanes when
their running work ends. Plain Python: tested without Qt.

An examiner who signs on a hardware token signs in with the passphrase and the
token's PIN; the three connections share the one token session. Locking leaves
it open (work still running signs its entries as it ends); unlocking asks the
passphrase and the PIN again (see :meth:`evidence_store.pkcs11.TokenSession.confirm`:
a token already signed in cannot check a PIN itself); closing the session logs out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from evidence_store import Vault, VaultError

from ..services.vaults import create_vault, open_vault, resume_token, sign_in_with_token, token_name
from .jobs import Job, JobEvent, JobQueue

if TYPE_CHECKING:
    from evidence_store.pkcs11 import TokenSigner


def _open_signed_in(path: Path, passphrase: str, examiner: str | None, token_pin: str | None) -> tuple[
        Vault, TokenSigner | None]:
    """Open with the passphrase and, for a token examiner, log in to the token (nothing written if either fails)."""
    vault = open_vault(path, passphrase, examiner)
    try:
        return vault, sign_in_with_token(vault, token_pin)
    except BaseException:
        vault.close(witness=False)
        raise


class VaultSession:
    def __init__(self, vault: Vault, on_event: Callable[[JobEvent], None], token: TokenSigner | None = None) -> None:
        self.path = vault.root
        self.reader: Vault = vault
        self._on_event = on_event
        self.token = token  # the examiner's token session, when they sign on one (the connections share it)
        self.tasks = JobQueue(vault.sibling(), on_event, "tasks")
        self.quick = JobQueue(vault.sibling(), on_event, "quick")
        self.locked = False
        self.examiner = vault.examiner.name
        self.token_name = token_name(vault.examiner)  # "" for an examiner who signs with their passphrase key

    @classmethod
    def open(cls, path: Path, passphrase: str, on_event: Callable[[JobEvent], None],
             examiner: str | None = None, token_pin: str | None = None) -> VaultSession:
        """Raises ``TokenPinRequired`` when the passphrase is a token examiner's and no PIN was given."""
        vault, token = _open_signed_in(path, passphrase, examiner, token_pin)
        return cls(vault, on_event, token)

    @classmethod
    def create(cls, path: Path, passphrase: str, examiner: str, on_event: Callable[[JobEvent], None], *,
               position: str = "", agency: str = "", unit: str = "", parent_agency: str = "",
               place: str = "") -> VaultSession:
        return cls(create_vault(path, passphrase, examiner, position=position, agency=agency, unit=unit,
                                parent_agency=parent_agency, place=place), on_event)

    # -- work ---------------------------------------------------------------------
    def run_task(self, job: Job) -> Job:
        return self._lane(self.tasks).submit(job)

    def run_quick(self, job: Job) -> Job:
        return self._lane(self.quick).submit(job)

    def _lane(self, lane: JobQueue) -> JobQueue:
        if self.locked:
            raise VaultError("the vault is locked; unlock it first", message_vi="kho chứng cứ đang khoá; hãy mở khoá trước")
        return lane

    @property
    def busy(self) -> bool:
        return self.tasks.busy or self.quick.busy

    def running_jobs(self) -> list[Job]:
        return self.tasks.jobs() + self.quick.jobs()

    # -- locking --------------------------------------------------------------------
    def lock(self) -> None:
        """Close the reader now; the lanes accept nothing more and close when their work ends."""
        if self.locked:
            return
        self.locked = True
        self.reader.close()
        self.tasks.close_when_idle()
        self.quick.close_when_idle()

    def unlock(self, passphrase: str, token_pin: str | None = None) -> None:
        """Re-open after :meth:`lock` (the passphrase, and a token examiner's PIN, checked again)."""
        if self.token is None or self.token.session.closed:
            vault, self.token = _open_signed_in(self.path, passphrase, self.examiner, token_pin)
        else:
            vault = open_vault(self.path, passphrase, self.examiner)
            try:
                resume_token(vault, self.token, token_pin)
            except BaseException:
                vault.close(witness=False)
                raise
        self.reader = vault
        for name in ("tasks", "quick"):
            lane: JobQueue = getattr(self, name)
            if not lane.reopen():  # ended while locked: a new lane on the new connection
                setattr(self, name, JobQueue(vault.sibling(), self._on_event, name))
        self.locked = False

    def close(self, timeout: float | None = 30) -> bool:
        """Cancel and end everything, then log out of the token; True if the lanes stopped in time."""
        ended = all([self.tasks.shutdown(timeout), self.quick.shutdown(timeout)])
        self.reader.close()
        if self.token is not None and ended:  # a lane still running may yet sign
            self.token.close()
        self.locked = True
        return ended

