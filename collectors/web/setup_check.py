"""Set-up check for web capture: a browser that starts, and ffmpeg where Playwright looks for it.

Run by ``installer/web_setup.sh`` (``make setup``); safe to run again.
"""

from __future__ import annotations

import sys

from evidence_store.errors import ForensicsError

from .browser import browser_version, discover_browser, ensure_ffmpeg


def main() -> int:
    try:
        choice = discover_browser()
        version = browser_version(choice.path)
        if not version:
            print(f"web setup: {choice.path} did not answer --version; web capture may fail", file=sys.stderr)
            return 1
        link = ensure_ffmpeg()
    except ForensicsError as exc:
        print(f"web setup: {exc}", file=sys.stderr)
        return 1
    print(f"web setup: browser {version} ({choice.path}, {choice.source}); ffmpeg for video at {link}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
