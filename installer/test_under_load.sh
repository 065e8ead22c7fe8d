#!/usr/bin/env bash
# The whole suite with a CPU hog on every core (a busy workstation): captures must wait on events, not on
# fixed delays, and say in a warning what they did not get. The hog is bounded in time and ends with this
# script, however it ends.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"
command -v stress-ng >/dev/null || { echo "test-under-load: stress-ng is missing (make setup installs it)" >&2; exit 1; }
stress-ng --cpu 0 --cpu-method matrixprod --timeout "${LOAD_SECONDS:-5400}" --quiet &
hog=$!
trap 'kill "$hog" 2>/dev/null || true; wait "$hog" 2>/dev/null || true' EXIT
.venv/bin/python -m pytest "$@"
