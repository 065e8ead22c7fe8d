"""The browser web capture drives: which one is found, whether it fits the pinned Playwright, and
getting one when there is none.

An installed Chrome, Edge or Chromium is preferred (``collectors.web.browser`` finds it). When none is
found and Playwright's download server answers, its Chromium (the build Playwright was tested with)
can be downloaded into Playwright's browser folder, where discovery looks next; offline, the
explanation says what to install on this operating system.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence_store import Cancelled, CancelToken, CollectorError, UsageError
from evidence_store.errors import bilingual

CDN = "https://cdn.playwright.dev"
INSTALL_COMMAND = "forensics doctor --install-browser"


@dataclass(frozen=True)
class Pinned:
    """The Playwright this build carries and the Chromium it was made for."""

    playwright: str
    chromium: str  # e.g. 156.0.8078.4
    revision: str


def pinned() -> Pinned:
    import playwright
    from playwright._repo_version import version

    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    data: dict[str, Any] = json.loads(browsers.read_text("utf-8"))
    chromium = next(b for b in data["browsers"] if b["name"] == "chromium")
    return Pinned(version, str(chromium["browserVersion"]), str(chromium["revision"]))


def major(version_text: str) -> int | None:
    """The major version in ``Chromium 156.0.7632.116 built on Debian…`` or ``156.0.8078.4``."""
    found = re.search(r"(\d+)\.\d+\.\d+", version_text)
    return int(found.group(1)) if found else None


def download_suffix() -> str:
    """Chrome for Testing archive of this platform ("" where Playwright has none to offer)."""
    machine = platform.machine().lower()
    if sys.platform.startswith("linux") and machine in ("x86_64", "amd64"):
        return "linux64/chrome-linux64.zip"
    if sys.platform.startswith("win") and machine in ("amd64", "x86_64"):
        return "win64/chrome-win64.zip"
    if sys.platform == "darwin":
        return "mac-arm64/chrome-mac-arm64.zip" if machine == "arm64" else "mac-x64/chrome-mac-x64.zip"
    return ""


def download_hosts() -> list[str]:
    """Where Playwright will download from (its own environment overrides first)."""
    for var in ("PLAYWRIGHT_CHROMIUM_DOWNLOAD_HOST", "PLAYWRIGHT_DOWNLOAD_HOST"):
        if os.environ.get(var):
            return [os.environ[var].rstrip("/")]
    return [CDN]


def download_offer(timeout: float = 4.0) -> dict[str, Any]:
    """Whether Playwright's Chromium can be downloaded now: a HEAD request for the very archive.

    Returns ``{"available": bool, "url", "size", "reason"}``; never raises.
    """
    suffix = download_suffix()
    if not suffix:
        return {"available": False, "url": "", "size": None,
                "reason": f"Playwright offers no Chromium download for {sys.platform}/{platform.machine()}"}
    version = pinned().chromium
    reasons = []
    for host in download_hosts():
        url = f"{host}/builds/cft/{version}/{suffix}"
        request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "forensics-toolkit doctor"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http/https only)
                size = response.headers.get("Content-Length")
                return {"available": True, "url": url, "size": int(size) if size and size.isdigit() else None,
                        "reason": ""}
        except urllib.error.HTTPError as exc:
            reasons.append(f"{url}: HTTP {exc.code}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reasons.append(f"{url}: {getattr(exc, 'reason', exc)}")
    return {"available": False, "url": "", "size": None, "reason": "; ".join(reasons)}


def browsers_folder() -> Path:
    """Playwright's browser folder, where web capture's discovery looks for a downloaded Chromium."""
    from collectors.web.browser import _playwright_folder

    env = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    return Path(env) if env else _playwright_folder()


def install_hint() -> tuple[str, str]:
    """What to install on this operating system when no browser is found and nothing can be downloaded."""
    if sys.platform.startswith("win"):
        return ("Microsoft Edge is part of Windows 10 and 11: repair or reinstall it (Settings > Apps), or install "
                "Google Chrome with its offline installer (ChromeStandaloneSetup64.exe) copied from a machine with "
                "internet access.",
                "Microsoft Edge có sẵn trong Windows 10 và 11: sửa hoặc cài lại (Cài đặt > Ứng dụng), hoặc cài "
                "Google Chrome bằng bộ cài ngoại tuyến (ChromeStandaloneSetup64.exe) chép từ máy có Internet.")
    if sys.platform == "darwin":
        return ("Install Google Chrome or Microsoft Edge (copy the .dmg from a machine with internet access).",
                "Cài Google Chrome hoặc Microsoft Edge (chép tệp .dmg từ máy có Internet).")
    return ("Install Chromium from the distribution: Debian `sudo apt-get install chromium`, Ubuntu "
            "`sudo snap install chromium` (from a local mirror or a copied .deb when offline), or Google Chrome "
            "(google-chrome-stable .deb).",
            "Cài Chromium của bản phân phối: Debian `sudo apt-get install chromium`, Ubuntu "
            "`sudo snap install chromium` (từ kho cục bộ hoặc tệp .deb chép sang khi không có Internet), hoặc "
            "Google Chrome (tệp .deb google-chrome-stable).")


OTHER_BROWSER = ("Or set FORENSICS_CHROMIUM, or the browser_path setting, to a Chromium, Chrome or Edge executable.",
                 "Hoặc đặt FORENSICS_CHROMIUM, hay cài đặt browser_path, là đường dẫn tới Chromium, Chrome hoặc Edge.")

_PERCENT = re.compile(r"(\d{1,3})%\s+of\s+([\d.]+)\s*([KMG]i?B)")
_UNITS = {"KB": 1e3, "MB": 1e6, "GB": 1e9, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}


def install_browser(progress: Callable[[int, int | None, str], None] | None = None,
                    cancel: CancelToken | None = None, *, force: bool = False, timeout: float = 1800) -> tuple[str, bool]:
    """Download Playwright's Chromium with Playwright's own installer, unless a browser is already found.

    Returns the browser web capture will use and whether it was downloaded now. Raises ``UsageError``
    when the download server cannot be reached (with the offline explanation).
    """
    from collectors.web.browser import BrowserNotFound, discover_browser

    if not force:
        try:
            return discover_browser().path, False
        except BrowserNotFound:
            pass
    offer = download_offer()
    if not offer["available"]:
        en, _vi = install_hint()
        raise UsageError(f"cannot download a browser ({offer['reason']}). {en} {OTHER_BROWSER[0]}",
                         message_vi=f"không tải được trình duyệt ({offer['reason']}). {_vi} {OTHER_BROWSER[1]}")
    from playwright._impl._driver import compute_driver_executable, get_driver_env

    node, cli = compute_driver_executable()
    env = get_driver_env() | {"PLAYWRIGHT_BROWSERS_PATH": str(browsers_folder())}
    args = [node, cli, "install", "--no-shell", "chromium"]
    try:
        proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                errors="replace")
    except OSError as exc:
        raise CollectorError(f"cannot start Playwright's installer ({node}): {exc.strerror}",
                             message_vi=f"không khởi động được trình cài đặt của Playwright ({node}): "
                                        f"{bilingual(exc)[1]}") from exc
    tail: list[str] = []
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            tail = (tail + [line.rstrip()])[-20:]
            if cancel is not None and cancel.cancelled:
                proc.terminate()
                raise Cancelled("browser download cancelled")
            found = _PERCENT.search(line)
            if found and progress is not None:
                total = int(float(found.group(2)) * _UNITS[found.group(3)])
                progress(total * int(found.group(1)) // 100, total, "Chromium")
        code = proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if code != 0:
        raise CollectorError("Playwright's browser download failed: " + " | ".join(t for t in tail if t)[-600:],
                             message_vi="Playwright không tải được trình duyệt: " + " | ".join(t for t in tail if t)[-600:])
    return discover_browser().path, True
