"""Disk test set-up: the community fixtures unzipped once, and our own images built once.

Both go into session temp dirs (never into the repository); the fixtures in
``../shared`` are only read.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def dftt(shared_fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DFTT zips unzipped: ``dftt / "6-undel-fat" / "6-fat-undel.dd"`` etc."""
    out = tmp_path_factory.mktemp("dftt")
    for archive in sorted((shared_fixtures / "disk" / "dftt").glob("*.zip")):
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(out)
    return out


@pytest.fixture(scope="session")
def tsk_data(shared_fixtures: Path) -> Path:
    return shared_fixtures / "disk" / "sleuthkit"


@pytest.fixture(scope="session")
def dfvfs_data(shared_fixtures: Path) -> Path:
    return shared_fixtures / "disk" / "dfvfs"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Images made by tests/disk/build_images.sh with Debian's tools."""
    out = tmp_path_factory.mktemp("built")
    result = subprocess.run(["bash", str(HERE / "build_images.sh"), str(out), sys.executable],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture
def copy_of(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A writable copy of a read-only fixture file (for tests that damage or rename it)."""

    def make(source: Path, name: str | None = None) -> Path:
        target = tmp_path / (name or source.name)
        shutil.copyfile(source, target)
        return target

    return make


SAMPLES = Path("/usr/share/forensics-samples")


@pytest.fixture(scope="session")
def debian_samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Debian's forensics-samples images (exFAT; a disk with ext4, exFAT and NTFS partitions), unpacked.

    Made by the Debian forensics team, not by us (README: all files copied in, then the
    folders ending in ``2`` deleted); installed from installer/debian-packages.txt.
    """
    out = tmp_path_factory.mktemp("debian-samples")
    for name in ("fs.exfat", "fs.multiple"):
        packed = SAMPLES / f"{name}.xz"
        if not packed.is_file():
            pytest.fail(f"{packed} is missing: install forensics-samples-exfat and forensics-samples-multiple "
                        "(installer/debian-packages.txt)", pytrace=False)
        with (out / name).open("wb") as target:
            subprocess.run(["xz", "-dc", str(packed)], stdout=target, check=True, timeout=120)
    return out
