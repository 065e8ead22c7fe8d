"""An unlocked vault as the app holds it: a reader for the window, two lanes of work.

- ``reader``: the GUI thread's connection, for reads only (pages of tables,
  previews); in WAL mode it sees committed data and never waits for a writer.
- ``tasks``: long work (acquisition, verification, reports), one job at a time.
- ``quick``: short writes (a new case, a setting, the "viewed" entry of a
  preview) so they need not wait behind an hour-long disk image.

Each lane has its own connection (``Vault.sibling``); the vault's writer lock
serialises their commits. Locking closes the reader at once and the lanes when
their running work ends. Plain Python: tested without Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from evidence_store import Vault, VaultError

from ..services.vaults import create_vault, open_vault
from .jobs import Job, JobEvent, JobQueue


class VaultSession:
    def __init__(self, vault: Vault, on_event: Callable[[JobEvent], None]) -> None:
        self.path = vault.root
        self.reader: Vault = vault
        self._on_event = on_event
        self.tasks = JobQueue(vault.sibling(), on_event, "tasks")
        self.quick = JobQueue(vault.sibling(), on_event, "quick")
        self.locked = False
        self.examiner = vault.examiner.name

    @classmethod
    def open(cls, path: Path, passphrase: str, on_event: Callable[[JobEvent], None],
             examiner: str | None = None) -> VaultSession:
        return cls(open_vault(path, passphrase, examiner), on_event)

    @classmethod
    def create(cls, path: Path, passphrase: str, examiner: str, on_event: Callable[[JobEvent], None], *,
               position: str = "", agency: str = "", unit: str = "") -> VaultSession:
        return cls(create_vault(path, passphrase, examiner, position=position, agency=agency, unit=unit), on_event)

    # -- work ---------------------------------------------------------------------
    def run_task(self, job: Job) -> Job:
        return self._lane(self.tasks).submit(job)

    def run_quick(self, job: Job) -> Job:
        return self._lane(self.quick).submit(job)

    def _lane(self, lane: JobQueue) -> JobQueue:
        if self.locked:
            raise VaultError("the vault is locked; unlock it first")
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

    def unlock(self, passphrase: str) -> None:
        """Re-open after :meth:`lock` (the passphrase is checked by a fresh open)."""
        vault = open_vault(self.path, passphrase, self.examiner)
        self.reader = vault
        for name in ("tasks", "quick"):
            lane: JobQueue = getattr(self, name)
            if not lane.reopen():  # ended while locked: a new lane on the new connection
                setattr(self, name, JobQueue(vault.sibling(), self._on_event, name))
        self.locked = False

    def close(self, timeout: float | None = 30) -> bool:
        """Cancel and end everything; True if the lanes stopped in time."""
        ended = all([self.tasks.shutdown(timeout), self.quick.shutdown(timeout)])
        self.reader.close()
        self.locked = True
        return ended

