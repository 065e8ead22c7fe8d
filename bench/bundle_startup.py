"""Start-up of ``forensics --version`` from the self-contained bundle against the source install (.venv).

Cold: every file of the side being measured (the bundle; or the .venv, the Python it links to and the
source packages) is evicted from the page cache first (``posix_fadvise(DONTNEED)``, only those files:
the rest of the machine keeps its cache). Warm: the same command again at once. Medians of N runs,
alternating sides, and the bundle's sizes.

    .venv/bin/python bench/bundle_startup.py [--bundle dist/forensics-toolkit] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("forensics_app", "collectors", "evidence_store", "report_templates")


def evict(folders: list[Path]) -> int:
    """Drop these files' pages from the page cache; returns the bytes asked to be dropped."""
    total = 0
    for folder in folders:
        for path in folder.rglob("*") if folder.is_dir() else [folder]:
            if path.is_file() and not path.is_symlink():
                try:
                    fd = os.open(path, os.O_RDONLY)
                except OSError:
                    continue
                try:
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                    total += os.fstat(fd).st_size
                finally:
                    os.close(fd)
    return total


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, cwd="/")
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or "version" not in done.stdout:
        raise SystemExit(f"{argv[0]} failed: {done.stdout}{done.stderr}")
    return elapsed


def size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "forensics-toolkit")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bundle = args.bundle.resolve()
    if not (bundle / "forensics").is_file():
        raise SystemExit(f"no bundle at {bundle}: run `make bundle` first")
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
    sides = {
        "bundle": ([str(bundle / "forensics"), "--version"], [bundle]),
        ".venv": ([str(ROOT / ".venv" / "bin" / "forensics"), "--version"],
                  [ROOT / ".venv", Path(sys.base_prefix) / "lib", *(ROOT / p for p in PACKAGES)]),
    }
    cold: dict[str, list[float]] = {name: [] for name in sides}
    warm: dict[str, list[float]] = {name: [] for name in sides}
    evicted: dict[str, int] = {}
    for _run in range(args.runs):
        for name, (argv, files) in sides.items():
            evicted[name] = evict(files)
            cold[name].append(timed(argv, env))
            warm[name].append(timed(argv, env))
    print(f"bundle {bundle}: {size(bundle) / 1e6:.0f} MB on disk")
    for package in sorted([*bundle.parent.glob("forensics-toolkit*.tar.gz"), *bundle.parent.glob("forensics-toolkit*.deb")]):
        print(f"  {package.name}: {size(package) / 1e6:.0f} MB")
    print(f"`forensics --version`, median of {args.runs} (cold: page cache of the side's own files dropped first)")
    for name in sides:
        print(f"  {name:7} cold {statistics.median(cold[name]):6.2f} s   warm {statistics.median(warm[name]):6.2f} s"
              f"   ({evicted[name] / 1e6:.0f} MB evicted)")
    for kind, data in (("cold", cold), ("warm", warm)):
        ratio = statistics.median(data["bundle"]) / statistics.median(data[".venv"])
        print(f"  bundle / .venv, {kind}: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
