"""One running browser (and Playwright driver) shared by the captures of a batch.

Each capture gets its own fresh context and its own recording proxy; the
browser process is the only thing shared, so a batch pays its start-up once.
The proxies' CA is made with the session, before the browser starts, so that
Chromium is launched trusting that one key (and no other certificate error).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from evidence_store.errors import CollectorError

from .browser import BrowserFacts, discover_browser, ensure_ffmpeg, launch_args
from .proxy import certificate_authority
from .tls import spki_trust_args


class BrowserSession:
    def __init__(self, playwright: Any, browser: Any, facts: BrowserFacts, scratch: Path, ca: Any) -> None:
        self.playwright = playwright
        self.browser = browser
        self.facts = facts
        self.scratch = scratch  # the proxy's CA and host certificates; gone when the session closes
        self.ca = ca

    @classmethod
    async def start(cls, *, browser_setting: str = "", host_rules: tuple[str, ...] = (),
                    video: bool = False, extra_args: tuple[str, ...] = ()) -> BrowserSession:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        choice = discover_browser(browser_setting)
        if video:
            ensure_ffmpeg()
        scratch = Path(tempfile.mkdtemp(prefix="forensics-browser-"))
        try:
            ca = certificate_authority(scratch / "proxy-ca")
            # the proxy's per-site certificates: accepted by key, so the first handshake already succeeds
            args = launch_args(host_rules=host_rules, extra=(*spki_trust_args([ca.ca_file]), *extra_args))
            playwright = await async_playwright().start()
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        try:
            browser = await playwright.chromium.launch(executable_path=choice.path, args=args, headless=True,
                                                       timeout=60_000)
        except PlaywrightError as exc:
            await playwright.stop()
            shutil.rmtree(scratch, ignore_errors=True)
            first = str(exc.message).strip().splitlines()[0] if exc.message else type(exc).__name__
            raise CollectorError(f"cannot start the browser {choice.path}: {first}. Check that it runs "
                                 "(`chromium --version`), or point FORENSICS_CHROMIUM at another Chromium, "
                                 "Chrome or Edge") from exc
        except BaseException:
            await playwright.stop()
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        facts = BrowserFacts(choice.path, choice.source, f"{browser.browser_type.name} {browser.version}", args)
        return cls(playwright, browser, facts, scratch, ca)

    async def close(self) -> None:
        try:
            await self.browser.close()
        except Exception:  # already gone (cancelled, crashed): nothing left to close
            pass
        try:
            await self.playwright.stop()
        except Exception:
            pass
        shutil.rmtree(self.scratch, ignore_errors=True)
