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
import resource
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


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds user+system): CPU time barely moves when other work shares the cores."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, cwd="/")
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or "version" not in done.stdout:
        raise SystemExit(f"{argv[0]} failed: {done.stdout}{done.stderr}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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
    cold: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    warm: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    evicted: dict[str, int] = {}
    for _run in range(args.runs):
        for name, (argv, files) in sides.items():
            evicted[name] = evict(files)
            cold[name].append(timed(argv, env))
            warm[name].append(timed(argv, env))
    print(f"bundle {bundle}: {size(bundle) / 1e6:.0f} MB on disk")
    for package in sorted([*bundle.parent.glob("forensics-toolkit*.tar.gz"), *bundle.parent.glob("forensics-toolkit*.deb")]):
        print(f"  {package.name}: {size(package) / 1e6:.0f} MB")
    print(f"`forensics --version`, median of {args.runs} (cold: page cache of the side's own files dropped first);"
          " wall time, and CPU time (user+sys) in brackets")

    def median(data: list[tuple[float, float]], index: int) -> float:
        return statistics.median(run[index] for run in data)

    for name in sides:
        print(f"  {name:7} cold {median(cold[name], 0):5.2f} s [{median(cold[name], 1):4.2f} s]   "
              f"warm {median(warm[name], 0):5.2f} s [{median(warm[name], 1):4.2f} s]   ({evicted[name] / 1e6:.0f} MB evicted)")
    for kind, data in (("cold", cold), ("warm", warm)):
        print(f"  bundle / .venv, {kind}: {median(data['bundle'], 0) / median(data['.venv'], 0):.2f}x wall, "
              f"{median(data['bundle'], 1) / median(data['.venv'], 1):.2f}x CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
