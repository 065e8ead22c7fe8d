"""Who and what did the work: tool version and code hash, host, OS.

Provenance records and reports quote these so a third party can repeat the
process with the same tool (ACPO principle 3, SWGDE 21-F-001).
"""

from __future__ import annotations

import hashlib
import os
import platform
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import forensics_app

PACKAGES = ("forensics_app", "collectors", "evidence_store", "report_templates")


@lru_cache(maxsize=1)
def code_sha256() -> str:
    """SHA-256 over the tool's own Python sources (path and content, in sorted order).

    A build may stamp the value instead (``FORENSICS_CODE_SHA256`` file next to the
    packages); otherwise it is computed from the installed sources.
    """
    root = Path(forensics_app.__file__).resolve().parent.parent
    stamp = root / "FORENSICS_CODE_SHA256"
    if stamp.is_file():
        return stamp.read_text("ascii").strip()
    digest = hashlib.sha256()
    for package in PACKAGES:
        base = root / package
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            digest.update(rel.encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def tool_identity() -> dict[str, Any]:
    return {
        "name": forensics_app.TOOL_NAME,
        "version": forensics_app.__version__,
        "code_sha256": code_sha256(),
        "python": platform.python_version(),
    }


def host_facts() -> dict[str, Any]:
    return {
        "hostname": socket.gethostname(),
        "os": platform.platform(),
        "user": _user(),
        "pid": os.getpid(),
        "executable": sys.executable,
    }


def _user() -> str:
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # no user database entry (containers)
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


#: Words that mark an environment variable as a secret (``FORENSICS_PASSPHRASE``, ``FORENSICS_P12_PASSPHRASE`` …).
SECRET_WORDS = ("PASS", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATE")


@contextmanager
def secrets_withheld() -> Iterator[list[str]]:
    """Secrets out of ``os.environ`` while the block runs, back afterwards.

    Libraries the capture uses in this process (yt-dlp) start helpers (ffmpeg) with a copy of
    ``os.environ``; the browser and its driver get an allow-listed environment of their own
    (:mod:`collectors.web.childenv`). The passphrase has been read before: nothing here needs it.
    """
    held = {name: value for name, value in os.environ.items()
            if any(word in name.upper() for word in SECRET_WORDS)}
    for name in held:
        os.environ.pop(name, None)
    try:
        yield sorted(held)
    finally:
        for name, value in held.items():
            os.environ.setdefault(name, value)
