#!/usr/bin/env bash
# Create .venv and install the project with all its extras (idempotent).
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "setup_venv: Python 3.11 or newer is required ($python is $("$python" --version 2>&1))" >&2
    exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
log=.venv/pip-install.log
if ! .venv/bin/python -m pip install -e ".[all,dev]" >"$log" 2>&1; then
    grep -v "is ignored" "$log" | tail -40 >&2
    echo "setup_venv: pip install failed (full log: $log)" >&2
    exit 1
fi
# Qt's own strings in Vietnamese (file dialogs, buttons): forensics_app/gui/translations/*.ts -> *.qm
.venv/bin/python installer/build_translations.py
