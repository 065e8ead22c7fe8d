"""``make bundle``: the self-contained Linux build and its packages, everything under ``dist/``.

1. PyInstaller builds ``dist/forensics-toolkit/`` from ``installer/forensics.spec`` (both programs,
   every native part, the code stamp);
2. the bundle is started once with nothing of the build environment around it (``--version``);
3. ``dist/forensics-toolkit-<version>-linux-<arch>.tar.gz``: the bundle with a menu entry, icons,
   ``install.sh`` and a bilingual README;
4. ``dist/forensics-toolkit_<version>_<arch>.deb`` (dpkg-deb), checked by lintian when installed;
5. ``dist/SHA256SUMS`` of the packages.

Usage: ``python installer/build_bundle.py [--out DIR] [--work DIR] [--fast] [--no-deb]``.
``--fast`` compresses lightly (tests); releases use the defaults.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
NAME = "forensics-toolkit"


def clean_env(home: Path | None = None) -> dict[str, str]:
    """An environment with nothing of the build's Python in it: what a fresh workstation has."""
    keep = ("HOME", "LANG", "LC_ALL", "TERM", "TZ", "USER", "LOGNAME", "XDG_RUNTIME_DIR", "DISPLAY", "WAYLAND_DISPLAY")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    if home is not None:
        env["HOME"] = str(home)
    return env


def run_pyinstaller(out: Path, work: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "--distpath", str(out),
            "--workpath", str(work / "pyinstaller"), str(HERE / "forensics.spec")]
    subprocess.run(args, check=True, cwd=ROOT)
    bundle = out / NAME
    if not (bundle / "forensics").is_file():
        raise SystemExit(f"PyInstaller did not produce {bundle / 'forensics'}")
    return bundle


def smoke_test(bundle: Path, version: str) -> None:
    result = subprocess.run([str(bundle / "forensics"), "--version"], capture_output=True, text=True,
                            env=clean_env(), timeout=120, check=False, cwd="/")
    if result.returncode != 0 or version not in result.stdout:
        raise SystemExit(f"the bundle does not start: {result.stdout}{result.stderr}")


def build_facts(bundle: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((bundle / "_internal" / "FORENSICS_BUILD.json").read_text("utf-8"))
    return data


def make_tarball(bundle: Path, out: Path, work: Path, version: str, icons: dict[str, Path], *, fast: bool) -> Path:
    """The bundle, a menu entry, icons, ``install.sh`` and the README, in one top folder."""
    arch = platform.machine().lower()
    top = f"{NAME}-{version}-linux-{arch}"
    extra = work / "tarball-extra"
    if extra.exists():
        shutil.rmtree(extra)
    apps = extra / "share" / "applications"
    apps.mkdir(parents=True)
    shutil.copy(HERE / "linux" / "forensics-toolkit.desktop", apps)
    hicolor = extra / "share" / "icons" / "hicolor"
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy(icons["svg"], hicolor / "scalable" / "apps" / "forensics-toolkit.svg")
    for key, path in icons.items():
        if key.startswith("png"):
            size = key[3:]
            (hicolor / f"{size}x{size}" / "apps").mkdir(parents=True)
            shutil.copy(path, hicolor / f"{size}x{size}" / "apps" / "forensics-toolkit.png")
    shutil.copy(HERE / "linux" / "install.sh", extra / "install.sh")
    readme = (HERE / "linux" / "README.txt").read_text("utf-8")
    code = build_facts(bundle)["code_sha256"]
    (extra / "README.txt").write_text(readme.replace("@VERSION@", version).replace("@CODE_SHA256@", str(code)), "utf-8")
    target = out / f"{top}.tar.gz"
    partial = target.with_suffix(".partial")

    def normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(partial, "w:gz", compresslevel=1 if fast else 6) as archive:
        archive.add(bundle, arcname=top, filter=normalise)
        for path in sorted(extra.iterdir()):
            archive.add(path, arcname=f"{top}/{path.name}", filter=normalise)
    os.replace(partial, target)
    return target


def sha256sums(paths: list[Path], out: Path) -> Path:
    lines = []
    for path in paths:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        lines.append(f"{digest.hexdigest()}  {path.name}\n")
    target = out / "SHA256SUMS"
    target.write_text("".join(lines), "ascii")
    return target


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where the bundle and packages go")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller's work folder")
    parser.add_argument("--fast", action="store_true", help="light compression (tests)")
    parser.add_argument("--no-deb", action="store_true", help="skip the Debian package")
    parser.add_argument("--no-lintian", action="store_true", help="do not run lintian on the package")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        raise SystemExit("build_bundle.py packs Linux builds; on Windows see installer/windows/BUILDING.md")
    import icons
    from debian import build_deb, lintian

    import forensics_app

    version = forensics_app.__version__
    out, work = args.out.resolve(), args.work.resolve()
    started = time.monotonic()
    import build_translations

    build_translations.main()  # the .qm files the bundle carries as package data
    bundle = run_pyinstaller(out, work)
    smoke_test(bundle, version)
    print(f"bundle: {bundle} ({folder_size(bundle) / 1e6:.0f} MB) in {time.monotonic() - started:.0f} s")
    drawn = icons.render(work / "icons")
    packages = [make_tarball(bundle, out, work, version, drawn, fast=args.fast)]
    print(f"tarball: {packages[-1]} ({packages[-1].stat().st_size / 1e6:.0f} MB) at {time.monotonic() - started:.0f} s")
    if not args.no_deb:
        packages.append(build_deb(bundle, out, work, version, drawn, compression="gzip" if args.fast else "xz"))
        print(f"deb: {packages[-1]} ({packages[-1].stat().st_size / 1e6:.0f} MB) at {time.monotonic() - started:.0f} s")
        code, report = (-1, "") if args.no_lintian else lintian(packages[-1])
        if code >= 0:
            (out / "lintian.txt").write_text(report + "\n", "utf-8")
            errors = [line for line in report.splitlines() if line.startswith("E:")]
            print(f"lintian: {len(errors)} error(s), report in {out / 'lintian.txt'} at {time.monotonic() - started:.0f} s")
    print(f"checksums: {sha256sums(packages, out)}; {time.monotonic() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
