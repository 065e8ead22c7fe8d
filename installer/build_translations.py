"""Compile the Qt translations kept in the repository (``*.ts``) into ``*.qm`` next to them.

PySide6 ships no Vietnamese translation of Qt's own strings (file dialogs, message-box
buttons, text menus, the print dialog); ``forensics_app/gui/translations/qt_vi.ts``
holds them and PySide6's ``lrelease`` compiles it. Run by ``installer/setup_venv.sh``
(``make setup``) and before a bundle is built; the app compiles a missing ``.qm``
itself when ``lrelease`` is at hand (a checkout run without ``make setup``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "forensics_app" / "gui" / "translations"


def lrelease() -> str | None:
    """PySide6's lrelease (its wrapper on the PATH, or the binary inside the PySide6 package)."""
    found = shutil.which("pyside6-lrelease") or shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent))
    if found:
        return found
    try:
        import PySide6
    except ImportError:
        return None
    binary = Path(PySide6.__file__).parent / ("lrelease.exe" if sys.platform == "win32" else "lrelease")
    return str(binary) if binary.is_file() else None


def compile_ts(source: Path, target: Path) -> None:
    tool = lrelease()
    if tool is None:
        raise SystemExit("build_translations: PySide6's lrelease was not found (install the gui extra)")
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([tool, "-silent", str(source), "-qm", str(target)], check=True)


def main() -> int:
    for source in sorted(FOLDER.glob("*.ts")):
        compile_ts(source, source.with_suffix(".qm"))
        print(f"build_translations: {source.with_suffix('.qm').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
