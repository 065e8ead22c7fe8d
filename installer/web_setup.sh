#!/usr/bin/env bash
# Web capture set-up check: the browser (Debian's chromium) starts, and Playwright finds
# the system ffmpeg for session videos (a link under PLAYWRIGHT_BROWSERS_PATH). Idempotent.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"
# A missing browser must not stop the rest of the set-up: web capture says how to fix it when used.
.venv/bin/python -m collectors.web.setup_check || echo "web setup: web capture is not ready (see above)" >&2
