"""Finding and starting the browser (Chromium, Chrome or Edge) that Playwright drives.

Discovery order: ``FORENSICS_CHROMIUM``, the ``browser_path`` setting (passed in),
installed Chromium / Google Chrome / Microsoft Edge, then Playwright's own
download. Launch flags keep the browser quiet on the network (no background
requests, component updates, sync, autofill queries or QUIC: QUIC would bypass
the recording proxy; WebRTC may not send UDP around the proxy either) and add ``--no-sandbox`` only when running as root, where
Chromium refuses to start otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence_store.errors import CollectorError, UsageError, bilingual

CANDIDATES = (
    "/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium",
    "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable", "/opt/google/chrome/chrome",
    "/usr/bin/microsoft-edge", "/usr/bin/microsoft-edge-stable", "/opt/microsoft/msedge/msedge",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
)
QUIET_FLAGS = (
    "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
    "--disable-quic", "--disable-default-apps", "--disable-domain-reliability", "--metrics-recording-only",
    "--no-default-browser-check",
)
#: Chromium honours only the LAST ``--disable-features`` switch, and Playwright passes its own list first: ours
#: must repeat Playwright's (1.64), or its list is silently lost. A test checks that ours still covers it.
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "DialMediaRouteProvider",
    "GlobalMediaControls", "HttpsUpgrades", "LensOverlay", "MediaRouter", "PaintHolding",
    "ThirdPartyStoragePartitioning", "BlockOriginHeaderModificationOnRedirect", "AvoidCorsURLLoaderRestartOnRedirect",
    "Translate", "AutoDeElevate", "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled",
    "msForceBrowserSignIn", "msEdgeUpdateLaunchServicesPreferredVersion",
)
#: Ours: no requests of the browser's own in the evidence. Autofill asks Google about every page with a form
#: (which would also tell Google what the examiner is looking at).
QUIET_FEATURES = ("OptimizationHints", "MediaRouter", "Translate", "AutofillServerCommunication")
#: Browser UI nobody sees in headless mode, built again for every context (every capture): the omnibox's
#: WebUI pop-up loads ~200 JavaScript modules in a renderer of its own, ~0.6 s of CPU per capture, more than
#: the page itself. Never part of the page, so the evidence is the same without it.
UNSEEN_UI_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup", "WebUIOmniboxFullPopup")
#: WebRTC may only use the proxy: with an HTTP proxy that means no UDP at all, so STUN/TURN cannot go around the
#: recording proxy (unrecorded traffic, outside the address policy, revealing the workstation's addresses).
#: ``--force-…`` is the policy the browser cannot be talked out of; the plain switch sets the preference too.
WEBRTC_FLAGS = ("--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
                "--webrtc-ip-handling-policy=disable_non_proxied_udp")
INSTALL_HINT = ("install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`, or run `make setup`), "
                "or set FORENSICS_CHROMIUM to a Chromium, Chrome or Edge executable; `forensics doctor` checks "
                "the set-up and, online, offers to download one")


class BrowserNotFound(UsageError):
    """No usable browser; the message says how to install one."""


@dataclass(frozen=True)
class BrowserChoice:
    path: str
    source: str  # where it was found: environment, setting, installed, playwright


def _usable(path: str) -> bool:
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def discover_browser(setting: str = "") -> BrowserChoice:
    env = os.environ.get("FORENSICS_CHROMIUM", "")
    if env:
        if not _usable(env):
            raise BrowserNotFound(f"FORENSICS_CHROMIUM={env} is not an executable browser",
                                  message_vi=f"FORENSICS_CHROMIUM={env} không phải trình duyệt chạy được",
                                  remedy="install_browser")
        return BrowserChoice(env, "FORENSICS_CHROMIUM")
    if setting:
        if not _usable(setting):
            raise BrowserNotFound(f"the browser_path setting ({setting}) is not an executable browser",
                                  message_vi=f"đường dẫn trình duyệt trong cài đặt ({setting}) không phải trình duyệt chạy được",
                                  remedy="browser_path")
        return BrowserChoice(setting, "browser_path setting")
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "microsoft-edge"):
        found = shutil.which(name)
        if found and _usable(found):
            return BrowserChoice(found, "installed")
    for path in CANDIDATES:
        if _usable(path):
            return BrowserChoice(path, "installed")
    bundled = _playwright_chromium()
    if bundled:
        return BrowserChoice(bundled, "playwright")
    raise BrowserNotFound("no Chromium, Chrome or Edge browser was found",
                          message_vi="không tìm thấy trình duyệt Chromium, Chrome hoặc Edge",
                          remedy="install_browser")


def _playwright_chromium() -> str:
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or _playwright_folder())
    for pattern in ("chromium-*/chrome-linux*/chrome", "chromium-*/chrome-win*/chrome.exe",
                    "chromium-*/chrome-mac*/*.app/Contents/MacOS/*"):
        for candidate in sorted(root.glob(pattern), reverse=True):
            if _usable(str(candidate)):
                return str(candidate)
    return ""


def _playwright_folder() -> Path:
    """Where Playwright keeps downloaded browsers by default on this operating system."""
    if sys.platform.startswith("win"):
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "ms-playwright"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "ms-playwright"
    return Path.home() / ".cache" / "ms-playwright"


def browser_version(path: str) -> str:
    """``--version`` of the executable (Playwright reports the version it negotiated, too)."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=15, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip()


def launch_args(*, host_rules: tuple[str, ...] = (), extra: tuple[str, ...] = ()) -> list[str]:
    features = dict.fromkeys((*PLAYWRIGHT_DISABLED_FEATURES, *QUIET_FEATURES, *UNSEEN_UI_FEATURES))
    args = [*QUIET_FLAGS, *WEBRTC_FLAGS, "--disable-features=" + ",".join(features)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    if host_rules:
        args.append("--host-resolver-rules=" + ",".join(host_rules))
    return args + list(extra)


# -- video needs Playwright's ffmpeg; the system one serves ----------------------------
def _ffmpeg_revision() -> str:
    import playwright

    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    try:
        data: dict[str, Any] = json.loads(browsers.read_text("utf-8"))
    except (OSError, ValueError):
        return ""
    return next((str(b["revision"]) for b in data.get("browsers", []) if b.get("name") == "ffmpeg"), "")


def default_browsers_path() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("forensics-toolkit", appauthor=False)) / "playwright"


def ensure_ffmpeg() -> Path:
    """Make Playwright find an ffmpeg: a link from its expected place to the system's ``ffmpeg``.

    Sets ``PLAYWRIGHT_BROWSERS_PATH`` (when unset) for the Playwright driver this process starts.
    """
    system = shutil.which("ffmpeg")
    if not system:
        raise UsageError("video needs ffmpeg", message_vi="quay video cần ffmpeg", remedy="install_ffmpeg")
    revision = _ffmpeg_revision()
    if not revision:
        raise CollectorError("cannot tell which ffmpeg build this Playwright expects (browsers.json unreadable)",
                             message_vi="không xác định được bản ffmpeg mà Playwright cần (không đọc được browsers.json)")
    root = Path(os.environ.setdefault("PLAYWRIGHT_BROWSERS_PATH", str(default_browsers_path())))
    target = root / f"ffmpeg-{revision}" / "ffmpeg-linux"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.symlink_to(system)
        except FileExistsError:
            pass
        except OSError as exc:
            raise CollectorError(f"cannot link {target} to {system}: {exc.strerror}",
                                 message_vi=f"không liên kết được {target} tới {system}: {bilingual(exc)[1]}") from exc
    return target


@dataclass
class BrowserFacts:
    """What the provenance says about the browser."""

    path: str
    source: str
    version: str
    args: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"executable": self.path, "found_by": self.source, "version": self.version, "launch_args": self.args}
