"""One running browser (and Playwright driver) shared by the captures of a batch.

Each capture gets its own fresh context and its own recording proxy; the
browser process is the only thing shared, so a batch pays its start-up once.
The proxies' CA is made with the session, before the browser starts, so that
Chromium is launched trusting that one key (and no other certificate error).
The CA's private key, the browser's profile and cache and Playwright's own files
live in the staging's memory folder (:mod:`.staging`), and the driver and the
browser get a scrubbed environment (:mod:`.childenv`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from evidence_store.errors import CollectorError

from .browser import BrowserFacts, discover_browser, ensure_ffmpeg, launch_args
from .childenv import driver_environment, scrubbed
from .proxy import certificate_authority
from .staging import Staging
from .tls import spki_trust_args

#: Chromium makes its singleton socket at ``$TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket`` (45 bytes
#: after the folder) and a UNIX socket path holds at most 107 bytes: a longer browser folder makes the launch
#: fail with nothing but "browser has been closed" (measured with Debian's Chromium 156)
SOCKET_SUFFIX = len("/org.chromium.Chromium.XXXXXX/SingletonSocket")
SOCKET_PATH_MAX = 107


class BrowserSession:
    def __init__(self, playwright: Any, browser: Any, facts: BrowserFacts, scratch: Path, ca: Any,
                 staging: Staging) -> None:
        self.playwright = playwright
        self.browser = browser
        self.facts = facts
        self.scratch = scratch  # the browser's TMPDIR (its profile, cache, Playwright's files); gone at close
        self.ca = ca
        self.staging = staging
        self.owns_staging = False
        self.ca_folder: Path | None = None  # the proxy's CA key and host certificates

    @classmethod
    async def start(cls, staging: Staging | None = None, *, browser_setting: str = "", host_rules: tuple[str, ...] = (),
                    video: bool = False, extra_args: tuple[str, ...] = ()) -> BrowserSession:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        choice = discover_browser(browser_setting)
        if video:
            ensure_ffmpeg()
        owned = staging is None
        if staging is None:  # a session on its own (tests, tools): its staging goes with it
            staging = Staging.start(operation="browser session")
        # short: Chromium's singleton socket lives in TMPDIR, and a UNIX socket path has at most 107 bytes
        scratch = staging.folder("browser")
        tmpdir = scratch
        _check_socket_room(scratch, staging, owned)
        ca_folder = scratch.parent / "proxy-ca"
        try:
            ca = certificate_authority(ca_folder)
            # the proxy's per-site certificates: accepted by key, so the first handshake already succeeds
            args = launch_args(host_rules=host_rules, extra=(*spki_trust_args([ca.ca_file]), *extra_args))
            with driver_environment(tmpdir):
                playwright = await async_playwright().start()
        except BaseException:
            _remove(scratch, ca_folder)
            if owned:
                staging.close()
            raise
        try:
            browser = await playwright.chromium.launch(executable_path=choice.path, args=args, headless=True,
                                                       timeout=60_000, env=dict[str, str | float | bool](scrubbed(tmpdir=tmpdir)))
        except PlaywrightError as exc:
            await playwright.stop()
            _remove(scratch, ca_folder)
            if owned:
                staging.close()
            first = str(exc.message).strip().splitlines()[0] if exc.message else type(exc).__name__
            raise CollectorError(f"cannot start the browser {choice.path}: {first}",
                                 message_vi=f"không khởi động được trình duyệt {choice.path}: {first}",
                                 remedy="browser_path") from exc
        except BaseException:
            await playwright.stop()
            _remove(scratch, ca_folder)
            if owned:
                staging.close()
            raise
        facts = BrowserFacts(choice.path, choice.source, f"{browser.browser_type.name} {browser.version}", args)
        session = cls(playwright, browser, facts, scratch, ca, staging)
        session.ca_folder = ca_folder
        session.owns_staging = owned
        return session

    async def close(self) -> None:
        try:
            await self.browser.close()
        except Exception:  # already gone (cancelled, crashed): nothing left to close
            pass
        try:
            await self.playwright.stop()
        except Exception:
            pass
        _remove(self.scratch, self.ca_folder)
        if self.owns_staging:
            self.staging.close()


def _remove(*folders: Path | None) -> None:
    for folder in folders:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _check_socket_room(scratch: Path, staging: Staging, owned: bool) -> None:
    """Refuse, with the fix, a staging folder too deep for the browser's socket (see :data:`SOCKET_SUFFIX`)."""
    excess = len(bytes(scratch)) + SOCKET_SUFFIX - SOCKET_PATH_MAX
    if excess <= 0:
        return
    _remove(scratch)
    if owned:
        staging.close()
    length = excess + SOCKET_PATH_MAX
    raise CollectorError(
        f"the browser's socket path under the staging folder {scratch} would be {length} bytes long, over the "
        f"{SOCKET_PATH_MAX} a UNIX socket allows: set FORENSICS_STAGING_DIR to a folder shorter by {excess} or more "
        "bytes",
        message_vi=f"đường dẫn socket của trình duyệt trong thư mục tạm {scratch} sẽ dài {length} byte, vượt giới hạn "
                   f"{SOCKET_PATH_MAX} byte của UNIX socket: hãy đặt FORENSICS_STAGING_DIR là một thư mục ngắn hơn "
                   f"ít nhất {excess} byte",
        staging_folder=str(scratch), excess_bytes=excess)
