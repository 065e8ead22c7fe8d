"""Loaded by the capture-hygiene test's subprocesses (on their PYTHONPATH): every file this Python process
opens for writing under the watched folders is listed in ``FORENSICS_TEST_OPEN_LOG`` (an audit hook), so a
temporary file that is created and unlinked at once, invisible to a later scan, is still seen."""

from __future__ import annotations

import os
import sys

_LOG = os.environ.get("FORENSICS_TEST_OPEN_LOG", "")
_ROOTS = tuple(p for p in os.environ.get("FORENSICS_TEST_WATCHED", "").split(os.pathsep) if p)
_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT
_busy = False


def _hook(event: str, args: tuple[object, ...]) -> None:
    global _busy
    if event != "open" or _busy or not _LOG:
        return
    path, mode, flags = (list(args) + [None, None, None])[:3]
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, str):
        return
    writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & _WRITE)
    if not writing or not os.path.abspath(path).startswith(_ROOTS) or _probe():
        return
    _busy = True
    try:
        with open(_LOG, "a", encoding="utf-8") as out:
            out.write(os.path.abspath(path) + "\n")
    finally:
        _busy = False


def _probe() -> bool:
    """tempfile.gettempdir() checks that the folder is writable with a few bytes of its own ('blat')."""
    frame = sys._getframe(2)
    for _ in range(4):
        if frame is None:
            return False
        if frame.f_code.co_name == "_get_default_tempdir" and frame.f_code.co_filename.endswith("tempfile.py"):
            return True
        frame = frame.f_back
    return False


if _LOG and _ROOTS:
    sys.addaudithook(_hook)
