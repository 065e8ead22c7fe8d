#!/usr/bin/env bash
# Web capture set-up check: the browser (Debian's chromium) starts, and Playwright finds
# the system ffmpeg for session videos (a link under PLAYWRIGHT_BROWSERS_PATH). Idempotent.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"
.venv/bin/python -m collectors.web.setup_check
