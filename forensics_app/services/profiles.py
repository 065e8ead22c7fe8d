"""Login profiles: the examiner logs in to an investigation account once; captures reuse the session.

``login_profile`` opens a browser (headed for the examiner; headless with a
script or ``until_cookie`` for automation and tests: the same code path), waits
until the login is done (the window closed, Enter in the terminal, the
platform's session cookie set, or the script finished), and stores the
browser's storage state encrypted in the vault (:mod:`evidence_store.profiles`).
The login session itself is not evidence and is not recorded.

Which account it is comes from the examiner (``account``) and, where a
platform puts the user id in a cookie (Facebook ``c_user``, Instagram
``ds_user_id``, X ``twid``), from that cookie: both go into the provenance of
every capture made with the profile.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from collectors.web import discover_browser, launch_args, normalise_url
from collectors.web.childenv import driver_environment, scrubbed
from collectors.web.staging import Staging
from collectors.web.tls import spki_trust_args
from evidence_store import Case, CollectorError, UsageError, Vault, iso_utc
from evidence_store.catalogue.system import describe_text
from evidence_store.profiles import LoginProfile, LoginProfiles, check_name
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

from . import settings

LoginScript = Callable[[Any], Awaitable[None]]  # receives the Playwright page
ID_COOKIES = (("facebook", "facebook.com", "c_user"), ("instagram", "instagram.com", "ds_user_id"),
              ("x", "x.com", "twid"), ("x", "twitter.com", "twid"))
SESSION_COOKIES = (("tiktok", "tiktok.com", "sessionid"), ("youtube", "youtube.com", "LOGIN_INFO"),
                   ("google", "google.com", "SID"), ("zalo", "zalo.me", "zpsid"), ("telegram", "t.me", "stel_token"))


@dataclass
class LoginResult:
    profile: LoginProfile
    reached_url: str

    def to_json(self) -> dict[str, Any]:
        return {**self.profile.to_json(), "reached_url": self.reached_url}


def login_profile(vault: Vault, name: str, url: str, *, account: str = "", headless: bool = False,
                  until_cookie: str = "", script: LoginScript | None = None, finished: threading.Event | None = None,
                  timeout: int = 900, host_rules: tuple[str, ...] = (), extra_ca_files: tuple[str, ...] = (),
                  locale: str = "", progress: Progress = no_progress,
                  cancel: CancelToken = NEVER_CANCELLED) -> LoginResult:
    """Open a browser at ``url`` for a login; save the session as profile ``name`` (replacing an older one)."""
    check_name(name)
    start = normalise_url(url)
    if headless and script is None and not until_cookie:
        raise UsageError("a headless login needs --until-cookie NAME (nobody can type into a hidden browser)",
                         message_vi="đăng nhập với trình duyệt ẩn cần tên cookie phiên để biết khi nào xong (không ai gõ được "
                                    "vào trình duyệt ẩn)")
    if not 10 <= timeout <= 24 * 3600:
        raise UsageError("the login time limit must be between 10 seconds and 24 hours",
                         message_vi="thời gian chờ đăng nhập phải từ 10 giây đến 24 giờ")
    for path in extra_ca_files:
        if not Path(path).is_file():
            raise UsageError(f"CA file {path} does not exist", message_vi=f"tệp chứng thư CA {path} không tồn tại")
    browser_setting = str(settings.get(vault, "browser_path") or "")
    progress(0, None, "opening the browser")
    state, reached = asyncio.run(_browse(start, headless=headless, until_cookie=until_cookie, script=script,
                                         finished=finished or threading.Event(), timeout=timeout,
                                         host_rules=host_rules, extra_ca_files=extra_ca_files, locale=locale,
                                         browser_setting=browser_setting, cancel=cancel, progress=progress))
    cookies = state.get("cookies") or []
    if not cookies:
        raise UsageError("the browser holds no cookies: no login happened, so nothing was saved",
                         message_vi="trình duyệt không có cookie nào: chưa đăng nhập, nên không lưu gì")
    if until_cookie and not any(c.get("name") == until_cookie for c in cookies):
        raise UsageError(f"the session cookie {until_cookie!r} never appeared: the login did not finish; "
                         "nothing was saved",
                         message_vi=f"cookie phiên {until_cookie!r} không xuất hiện: việc đăng nhập chưa xong; không lưu gì")
    facts = describe_account(state, account, start, reached)
    profile = LoginProfiles(vault).save(name, state, account=facts)
    progress(1, 1, "saved")
    return LoginResult(profile, reached)


def list_profiles(vault: Vault) -> list[LoginProfile]:
    return LoginProfiles(vault).list()


def remove_profile(vault: Vault, name: str) -> None:
    LoginProfiles(vault).remove(name)


def load_for_capture(vault: Vault, name: str, case: Case) -> tuple[dict[str, Any], dict[str, Any]]:
    """The storage state for a capture (its use logged against the case) and the account facts for provenance."""
    store = LoginProfiles(vault)
    profile = store.get(name)
    state = store.load(name, case=case, purpose="capture")
    return state, {"profile": name, **profile.account, "profile_saved_at": profile.updated_at,
                   "profile_sha256": profile.sha256}


def describe_account(state: dict[str, Any], label: str, url: str, reached: str) -> dict[str, Any]:
    """The examiner's label, and the ids the platforms' own cookies name (cookie names only, never session values)."""
    detected = []
    for platform, domain, cookie in ID_COOKIES:
        for c in state.get("cookies") or []:
            if c.get("name") == cookie and str(c.get("domain", "")).lstrip(".").endswith(domain):
                value = unquote(str(c.get("value", "")))
                user_id = value.split("=", 1)[1] if value.startswith("u=") else value
                detected.append({"platform": platform, "user_id": user_id, "from_cookie": cookie})
    for platform, domain, cookie in SESSION_COOKIES:
        if any(c.get("name") == cookie and str(c.get("domain", "")).lstrip(".").endswith(domain)
               for c in state.get("cookies") or []):
            detected.append({"platform": platform, "session_cookie": cookie})
    ids = [f"{d['platform']} {d['user_id']}" for d in detected if d.get("user_id")]
    return {"label": label or (", ".join(ids) if ids else "unnamed account"), "detected": detected,
            "login_url": url, "reached_url": reached, "logged_in_at": iso_utc()}


async def _browse(url: str, *, headless: bool, until_cookie: str, script: LoginScript | None, finished: threading.Event,
                  timeout: int, host_rules: tuple[str, ...], extra_ca_files: tuple[str, ...], locale: str,
                  browser_setting: str, cancel: CancelToken, progress: Progress) -> tuple[dict[str, Any], str]:
    from playwright.async_api import async_playwright

    choice = discover_browser(browser_setting)
    args = launch_args(host_rules=host_rules, extra=spki_trust_args(extra_ca_files))
    # the login browser holds the account's cookies: its profile lives in memory like a capture's, and neither the
    # driver nor Chromium inherits our environment (FORENSICS_PASSPHRASE would be readable in /proc/PID/environ)
    staging = Staging.start(operation="login profile")
    try:
        tmpdir = staging.folder("browser")
        with driver_environment(tmpdir):
            playwright = await async_playwright().start()
        try:
            return await _log_in(playwright, url, choice.path, args, tmpdir, headless=headless,
                                 until_cookie=until_cookie, script=script, finished=finished, timeout=timeout,
                                 locale=locale, cancel=cancel, progress=progress)
        finally:
            await playwright.stop()
    finally:
        staging.close()


async def _log_in(playwright: Any, url: str, executable: str, args: list[str], tmpdir: Path, *, headless: bool,
                  until_cookie: str, script: LoginScript | None, finished: threading.Event, timeout: int,
                  locale: str, cancel: CancelToken, progress: Progress) -> tuple[dict[str, Any], str]:
    from playwright.async_api import Error as PlaywrightError

    try:
        browser = await playwright.chromium.launch(executable_path=executable, args=args, headless=headless,
                                                   timeout=60_000,
                                                   env=dict[str, str | float | bool](scrubbed(tmpdir=tmpdir)))
    except PlaywrightError as exc:
        raise CollectorError(f"cannot start the browser {executable}: {str(exc.message).splitlines()[0]}",
                             message_vi=f"không khởi động được trình duyệt {executable}: "
                                        f"{str(exc.message).splitlines()[0]}") from exc
    try:
        context = await browser.new_context(locale=locale or None)
        page = await context.new_page()
        try:
            await page.goto(url, wait_until="domcontentloaded", timeout=60_000)
        except PlaywrightError as exc:
            raise UsageError(f"cannot open {url}: {str(exc.message).splitlines()[0]}",
                             message_vi=f"không mở được {url}: {describe_text(str(exc.message).splitlines()[0])[1]}") from exc
        progress(0, None, "waiting for the login")
        state: dict[str, Any] = dict(await context.storage_state())
        if script is not None:
            await script(page)
        deadline = time.monotonic() + timeout
        reached = page.url
        while True:
            cancel.check()
            if page.is_closed() or not browser.is_connected():
                break
            reached = page.url
            try:
                state = dict(await context.storage_state())
            except PlaywrightError:
                break  # the examiner closed the browser: keep the last state read
            if until_cookie and any(c.get("name") == until_cookie for c in state.get("cookies", [])):
                break
            if finished.is_set() or (script is not None and not until_cookie):
                break
            if time.monotonic() > deadline:
                raise UsageError(f"no login finished within {timeout} s; nothing was saved",
                                 message_vi=f"không có lần đăng nhập nào hoàn tất trong {timeout} giây; không lưu gì")
            await asyncio.sleep(0.5)
        return state, reached
    finally:
        try:
            await browser.close()
        except Exception:  # already closed by the examiner
            pass
