"""The Linux bundle, built once per test session (or ``dist/`` when it is newer than every source).

The build is ``installer/build_bundle.py`` itself, the same as ``make bundle`` (light compression,
lintian run by the tests instead); it goes to a temporary folder, never into the tree. A build in
``dist/`` is reused only when its code stamp is the code of the tree and no installer file,
``pyproject.toml`` or package data file changed after it.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "installer"))
from debian import debian_version  # noqa: E402
from stamp import BUILD_INFO, code_digest, code_files  # noqa: E402

PACKAGES = ("forensics_app", "collectors", "evidence_store", "report_templates")
BUILD_TIMEOUT = 2400


@dataclass
class Built:
    out: Path
    bundle: Path
    tarball: Path
    deb: Path
    version: str
    code_sha256: str  # the tree's code when the session began
    reused: bool
    build_seconds: float
    lintian: subprocess.Popen[bytes] | None = None
    lintian_report: Path | None = None


def _artifacts(out: Path, version: str) -> tuple[Path, Path, Path]:
    arch = platform.machine().lower()
    deb_arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()
    return (out / "forensics-toolkit", out / f"forensics-toolkit-{version}-linux-{arch}.tar.gz",
            out / f"forensics-toolkit_{debian_version(version)}_{deb_arch}.deb")


def _inputs() -> list[Path]:
    found = [ROOT / "pyproject.toml"]
    for folder in (ROOT / "installer", *(ROOT / p for p in PACKAGES)):
        found += [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return found


def fresh_dist(version: str, code: str) -> Built | None:
    """``dist/`` from ``make bundle`` when it is the build of this very tree, else None."""
    bundle, tarball, deb = _artifacts(ROOT / "dist", version)
    info = bundle / "_internal" / BUILD_INFO
    if not (info.is_file() and tarball.is_file() and deb.is_file()):
        return None
    if json.loads(info.read_text("utf-8")).get("code_sha256") != code:
        return None
    built_at = info.stat().st_mtime
    if any(p.stat().st_mtime > built_at for p in _inputs()) or min(tarball.stat().st_mtime, deb.stat().st_mtime) < built_at:
        return None
    return Built(ROOT / "dist", bundle, tarball, deb, version, code, True, 0.0)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    import forensics_app

    version = forensics_app.__version__
    code = code_digest(code_files())
    result = fresh_dist(version, code)
    if result is None:
        base = tmp_path_factory.mktemp("bundle")
        log = base / "build.log"
        started = time.monotonic()
        with log.open("w") as handle:
            done = subprocess.run([sys.executable, str(ROOT / "installer" / "build_bundle.py"), "--out", str(base / "dist"),
                                   "--work", str(base / "build"), "--fast", "--no-lintian"], cwd=ROOT, stdout=handle,
                                  stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT, check=False)
        if done.returncode != 0:
            pytest.fail("the bundle build failed:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-40:]),
                        pytrace=False)
        bundle, tarball, deb = _artifacts(base / "dist", version)
        result = Built(base / "dist", bundle, tarball, deb, version, code, False, time.monotonic() - started)
        shutil.rmtree(base / "build" / "pyinstaller", ignore_errors=True)
    if shutil.which("lintian"):  # the slowest check: it runs while the other tests use the bundle
        result.lintian_report = tmp_path_factory.mktemp("lintian") / "lintian.txt"
        with result.lintian_report.open("wb") as report:
            result.lintian = subprocess.Popen(["lintian", "--tag-display-limit", "0", "--info", str(result.deb)],
                                              stdout=report, stderr=subprocess.STDOUT,
                                              env={**os.environ, "LC_ALL": "C.UTF-8"})
    yield result
    if result.lintian is not None and result.lintian.poll() is None:
        result.lintian.kill()
        result.lintian.wait()
