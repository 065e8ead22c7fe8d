"""The environment the capture's child processes get: what a browser needs, no secret of ours.

The Playwright driver, Chromium and the ffmpeg they start would otherwise inherit this process's
environment, ``FORENSICS_PASSPHRASE`` included (readable in ``/proc/PID/environ`` by the same user and
in crash reports). An allow-list, not a deny-list: a secret under a name nobody thought of stays out too.
Their ``TMPDIR`` is the staging's memory folder, so the browser profile, cache, video and downloads
Playwright writes never reach a persistent disk in plaintext.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

KEEP = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "DISPLAY", "WAYLAND_DISPLAY",
    "XAUTHORITY", "DBUS_SESSION_BUS_ADDRESS", "FONTCONFIG_FILE", "FONTCONFIG_PATH", "SYSTEMROOT", "WINDIR",
    "COMSPEC", "PATHEXT", "LOCALAPPDATA", "APPDATA", "PROGRAMFILES", "PROGRAMFILES(X86)", "USERPROFILE",
    "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE", "LD_LIBRARY_PATH", "CHROME_DEVEL_SANDBOX",
})
KEEP_PREFIXES = ("LC_", "XDG_", "PLAYWRIGHT_", "PW_")
#: Names that are never passed on even when they match the list above (a secret under an allowed prefix).
SECRET_WORDS = ("PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "COOKIE", "AUTH")


def scrubbed(base: dict[str, str] | None = None, *, tmpdir: Path | None = None) -> dict[str, str]:
    source = dict(os.environ if base is None else base)
    env = {name: value for name, value in source.items()
           if (name.upper() in KEEP or name.upper().startswith(KEEP_PREFIXES))
           and not any(word in name.upper() for word in SECRET_WORDS)}
    if tmpdir is not None:
        for name in ("TMPDIR", "TMP", "TEMP"):
            env[name] = str(tmpdir)
    return env


# Playwright starts its driver with a copy of os.environ and offers no parameter for it: the copy is made by
# ``playwright._impl._transport.get_driver_env``, which we wrap so that the copy is scrubbed (a test reads the
# driver's /proc/PID/environ, so a Playwright upgrade that moves this shows up at once).
_driver_tmpdir: contextvars.ContextVar[Path | None] = contextvars.ContextVar("driver_tmpdir", default=None)


def _install() -> None:
    from playwright._impl import _transport

    original = _transport.get_driver_env
    if getattr(original, "forensics_scrubbed", False):
        return

    def driver_env() -> dict[str, str]:
        return scrubbed(original(), tmpdir=_driver_tmpdir.get())

    driver_env.forensics_scrubbed = True  # type: ignore[attr-defined]
    _transport.get_driver_env = driver_env


@contextmanager
def driver_environment(tmpdir: Path) -> Iterator[None]:
    """While the driver starts (inside this block), it gets the scrubbed environment with ``TMPDIR``."""
    _install()
    token = _driver_tmpdir.set(tmpdir)
    try:
        yield
    finally:
        _driver_tmpdir.reset(token)
