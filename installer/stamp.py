"""What a build stamps into the bundle: the code hash and the build facts.

``FORENSICS_CODE_SHA256`` (read by ``forensics_app.services.environment.code_sha256``,
so every provenance record and report of the bundle quotes it), the manifest the
hash is made from (one ``sha256  path`` line per source file, so a third party can
recompute it from a source release), and ``FORENSICS_BUILD.json`` (version, git
commit, build time, builder versions) that ``forensics doctor`` shows.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CODE_STAMP = "FORENSICS_CODE_SHA256"
CODE_MANIFEST = "FORENSICS_CODE_MANIFEST.txt"
BUILD_INFO = "FORENSICS_BUILD.json"


def code_files(root: Path = ROOT) -> list[tuple[str, str]]:
    """``(relative path, sha256)`` of every source file the code hash covers, in hash order."""
    from forensics_app.services.environment import PACKAGES

    rows = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            rows.append((path.relative_to(root).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest()))
    return rows


def code_digest(rows: list[tuple[str, str]]) -> str:
    """The same digest as ``environment.code_sha256`` computes from installed sources."""
    digest = hashlib.sha256()
    for rel, file_hash in rows:
        digest.update(rel.encode("utf-8") + b"\0")
        digest.update(bytes.fromhex(file_hash))
    return digest.hexdigest()


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def _playwright_facts() -> dict[str, str]:
    try:
        import playwright
        from playwright._repo_version import version
    except ImportError:
        return {}
    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    data = json.loads(browsers.read_text("utf-8"))
    chromium: dict[str, Any] = next((b for b in data["browsers"] if b["name"] == "chromium"), {})
    return {"playwright": version, "playwright_chromium": str(chromium.get("browserVersion", ""))}


def build_facts(version: str, code_sha256: str) -> dict[str, Any]:
    import PyInstaller

    status = _git("status", "--porcelain", "--", "forensics_app", "collectors", "evidence_store", "report_templates")
    return {
        "tool": "forensics-toolkit",
        "version": version,
        "code_sha256": code_sha256,
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(status),
        "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "build_os": platform.platform(),
        "python": platform.python_version(),
        "pyinstaller": PyInstaller.__version__,
        "target": f"{sys.platform}-{platform.machine().lower()}",
        **_playwright_facts(),
    }


def write_stamps(folder: Path, version: str) -> dict[str, Any]:
    """Write the three stamp files into ``folder``; returns the build facts."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = code_files()
    digest = code_digest(rows)
    (folder / CODE_STAMP).write_text(digest + "\n", "ascii")
    (folder / CODE_MANIFEST).write_text("".join(f"{h}  {rel}\n" for rel, h in rows), "utf-8")
    facts = build_facts(version, digest)
    (folder / BUILD_INFO).write_text(json.dumps(facts, indent=2) + "\n", "utf-8")
    return facts
