"""The writer lock: one process writes a vault at a time.

An advisory lock on ``vault.lock`` (released by the OS if the holder dies, so a
crash never leaves the vault locked). The holder writes who it is into the file,
so a waiting process can say *who* is writing instead of just "busy".
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .canonical import iso_utc
from .errors import VaultBusyError

LOCK_FILE = "vault.lock"

if sys.platform == "win32":  # pragma: no cover - exercised by the Windows bundle
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def default_timeout() -> float:
    return float(os.environ.get("FORENSICS_LOCK_TIMEOUT", "30"))


class WriterLock:
    """Re-entrant within a process (threads share it through an RLock)."""

    def __init__(self, root: Path, purpose: str = "") -> None:
        self.path = root / LOCK_FILE
        self.purpose = purpose
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def acquire(self, timeout: float | None = None) -> None:
        timeout = default_timeout() if timeout is None else timeout
        deadline = time.monotonic() + timeout
        if not self._thread_lock.acquire(timeout=max(timeout, 0.0)):
            raise VaultBusyError("the vault is busy in another task of this program; try again when it ends",
                                 message_vi="kho chứng cứ đang bận với một việc khác của chương trình; hãy thử lại khi việc đó "
                                            "xong")
        if self._depth:
            self._depth += 1
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                holder = self._describe_holder(fd)
                os.close(fd)
                self._thread_lock.release()
                raise VaultBusyError(
                    f"the vault is locked by another process ({holder}); wait for it to finish"
                    " or close it, then try again"
                ,
                    message_vi=f"kho chứng cứ đang bị một tiến trình khác khoá ({holder}); hãy chờ tiến trình đó xong hoặc đóng"
                               " nó, rồi thử lại")
            time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(self._holder_info()).encode("utf-8"))
        self._fd = fd
        self._depth = 1

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            os.ftruncate(self._fd, 0)
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None
        self._thread_lock.release()

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def _holder_info(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "host": host_name(),
            "program": " ".join(os.path.basename(a) for a in sys.argv[:3]),
            "purpose": self.purpose,
            "since": iso_utc(),
        }

    @staticmethod
    def _describe_holder(fd: int) -> str:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            info = json.loads(os.read(fd, 4096) or b"{}")
        except (OSError, ValueError):
            info = {}
        if not info:
            return "holder unknown"
        return f"process {info.get('pid')} on {info.get('host')}, {info.get('program')}, since {info.get('since')}"


def host_name() -> str:
    """This workstation's name (``socket.gethostname`` without loading the socket module at start-up)."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()
