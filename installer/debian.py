"""The Debian package of the bundle, built with dpkg-deb.

Layout: the bundle in ``/usr/lib/forensics-toolkit`` (an application's private folder, as Debian
wants; lintian-overrides says why its libraries are embedded), ``forensics`` and ``forensics-app``
in ``/usr/bin`` (links), the menu entry, icons, manual pages, ``copyright`` and ``changelog`` in
``/usr/share``. ``Depends`` names the system packages the bundle's native code loads but does not
carry (found by reading every ELF file's needed libraries and asking dpkg which package owns
each), with the glibc version its symbols need, plus what the toolkit runs: a Chromium-family
browser and ffmpeg. The report fonts come from Debian's font packages instead of the bundle's
copies (same files, one copy on the system).
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from manpages import write_man_pages

HERE = Path(__file__).resolve().parent
PACKAGE = "forensics-toolkit"
PREFIX = Path("usr") / "lib" / PACKAGE
BROWSERS = "chromium | google-chrome-stable | microsoft-edge-stable"
ALWAYS = (BROWSERS, "ffmpeg", "fonts-noto-core", "fonts-dejavu-core", "libmagic1")  # libmagic: loaded by ctypes
DESCRIPTION = """\
Forensic evidence collection: web, social media, files, disk images
 Captures web pages and social-media posts (screenshots, WARC/WACZ, provenance
 with TLS and DNS facts), acquires files and disk images (raw, E01, VMDK, VHD,
 QCOW; The Sleuth Kit), keeps everything in an encrypted, tamper-evident
 evidence vault with a signed custody log, and produces court-ready reports
 and evidence packages in Vietnamese and English.
 .
 This package holds a self-contained build (its own Python, Qt and libraries)
 in /usr/lib/forensics-toolkit: `forensics` is the command line,
 `forensics-app` the desktop app; `forensics doctor` checks the workstation."""


def debian_version(version: str) -> str:
    """A PEP 440 version as a native Debian version (``1.0rc1`` sorts before ``1.0``: ``1.0~rc1``)."""
    text = re.sub(r"(\d)[._-]?(a|b|rc|dev)(\d*)", r"\1~\2\3", version)
    return text.replace("_", ".")


def architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()


def _elf_files(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def needed_libraries(bundle: Path) -> tuple[set[str], str]:
    """Sonames the bundle's ELF files need but do not carry, and the highest GLIBC_x.y they use."""
    provided = {p.name for p in bundle.rglob("*") if ".so" in p.name}
    needed: set[str] = set()
    glibc = (2, 0)
    for path in _elf_files(bundle):
        out = subprocess.run(["readelf", "-d", "-V", "-W", str(path)], capture_output=True, text=True,
                             check=False).stdout
        needed.update(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))
        for major, minor in re.findall(r"Name: GLIBC_(\d+)\.(\d+)", out):
            glibc = max(glibc, (int(major), int(minor)))
    return needed - provided, f"{glibc[0]}.{glibc[1]}"


def owning_packages(sonames: set[str]) -> tuple[list[str], list[str]]:
    """The Debian packages that hold these libraries on this machine, and the sonames none holds."""
    cache = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    where: dict[str, str] = {}
    for name, path in re.findall(r"^\s*(\S+) \(libc6,x86-64[^)]*\) => (\S+)$", cache, re.MULTILINE):
        where.setdefault(name, path)
    packages, unknown = set(), []
    for soname in sorted(sonames):
        path = where.get(soname)
        owner = _owner(path) if path else ""
        if owner:
            packages.add(owner)
        else:
            unknown.append(soname)
    return sorted(packages), unknown


def _owner(path: str) -> str:
    candidates = {path, os.path.realpath(path)}
    candidates |= {c.replace("/usr/lib/", "/lib/", 1) for c in list(candidates) if c.startswith("/usr/lib/")}
    candidates |= {"/usr" + c for c in list(candidates) if c.startswith("/lib/")}
    for candidate in sorted(candidates):
        out = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout:
            return out.stdout.split(":", 1)[0].split(",")[0].strip()
    return ""


def depends(bundle: Path) -> tuple[str, list[str]]:
    sonames, glibc = needed_libraries(bundle)
    packages, unknown = owning_packages(sonames)
    parts = [f"libc6 (>= {glibc})" if p == "libc6" else p for p in packages]
    if "libc6" not in packages:
        parts.insert(0, f"libc6 (>= {glibc})")
    return ", ".join([*parts, *ALWAYS]), unknown


def build_deb(bundle: Path, out_dir: Path, work: Path, version: str, icons: dict[str, Path], *,
              compression: str = "xz") -> Path:
    """Stage the package tree under ``work`` and build ``<out_dir>/forensics-toolkit_<ver>_<arch>.deb``."""
    stage = work / "deb"
    if stage.exists():
        shutil.rmtree(stage)
    root_dir = stage / PREFIX
    shutil.copytree(bundle, root_dir, symlinks=True)
    shutil.rmtree(root_dir / "_internal" / "fonts")  # fonts-noto-core and fonts-dejavu-core instead
    usr = stage / "usr"
    (usr / "bin").mkdir(parents=True)
    for cmd in ("forensics", "forensics-app"):
        (usr / "bin" / cmd).symlink_to(Path("..") / "lib" / PACKAGE / cmd)  # relative, as policy wants
    share = usr / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy(HERE / "linux" / "forensics-toolkit.desktop", share / "applications")
    _install_icons(share / "icons" / "hicolor", icons)
    docs = share / "doc" / PACKAGE
    docs.mkdir(parents=True)
    shutil.copy(HERE / "linux" / "copyright", docs / "copyright")
    _write_gz(docs / "changelog.gz", _changelog(version))
    write_man_pages(share / "man" / "man1", version)
    overrides = share / "lintian" / "overrides"
    overrides.mkdir(parents=True)
    shutil.copy(HERE / "linux" / "lintian-overrides", overrides / PACKAGE)
    deps, unknown = depends(bundle)
    if unknown:
        print(f"debian: no package found for {', '.join(unknown)} (left out of Depends)")
    control = stage / "DEBIAN"
    control.mkdir()
    size_kib = sum(p.stat().st_size for p in stage.rglob("*") if p.is_file() and not p.is_symlink()) // 1024
    arch = architecture()
    (control / "control").write_text(
        f"Package: {PACKAGE}\nVersion: {debian_version(version)}\nArchitecture: {arch}\n"
        f"Maintainer: {maintainer()}\nInstalled-Size: {size_kib}\nDepends: {deps}\n"
        f"Section: utils\nPriority: optional\nHomepage: https://github.com/forensics-toolkit/forensics-toolkit\n"
        f"Description: {DESCRIPTION}\n", "utf-8")
    _normalise_modes(stage)
    target = out_dir / f"{PACKAGE}_{debian_version(version)}_{arch}.deb"
    level = "1" if compression == "gzip" else "6"
    subprocess.run(["dpkg-deb", "--root-owner-group", f"-Z{compression}", f"-z{level}", "--build", str(stage),
                    str(target)], check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(stage)  # a second copy of the bundle: not worth keeping
    return target


def _normalise_modes(stage: Path) -> None:
    """0755 for folders, programs and scripts; 0644 for everything else, shared libraries included."""
    for path in stage.rglob("*"):
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
            continue
        with path.open("rb") as handle:
            head = handle.read(20)
        program = head[:2] == b"#!" or (head[:4] == b"\x7fELF" and head[16:18] == b"\x02\x00")  # ET_EXEC
        pie = head[:4] == b"\x7fELF" and head[16:18] == b"\x03\x00" and ".so" not in path.name  # PIE program
        executable = bool(path.stat().st_mode & 0o111) and (program or pie)
        path.chmod(0o755 if executable else 0o644)


def _install_icons(hicolor: Path, icons: dict[str, Path]) -> None:
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy(icons["svg"], hicolor / "scalable" / "apps" / "forensics-toolkit.svg")
    for key, path in icons.items():
        if key.startswith("png"):
            size = key[3:]
            folder = hicolor / f"{size}x{size}" / "apps"
            folder.mkdir(parents=True)
            shutil.copy(path, folder / "forensics-toolkit.png")


def maintainer() -> str:
    """``DEB_MAINTAINER`` (``Name <address>``), else the git identity of whoever builds."""
    if os.environ.get("DEB_MAINTAINER"):
        return os.environ["DEB_MAINTAINER"]
    name = _git_config("user.name") or "Forensics Toolkit maintainers"
    email = _git_config("user.email") or "maintainers@forensics-toolkit.org"
    return f"{name} <{email}>"


def _git_config(key: str) -> str:
    out = subprocess.run(["git", "-C", str(HERE), "config", key], capture_output=True, text=True, check=False)
    return out.stdout.strip()


def _changelog(version: str) -> str:
    when = format_datetime(datetime.now(UTC).replace(microsecond=0))
    return (f"{PACKAGE} ({debian_version(version)}) unstable; urgency=medium\n\n"
            f"  * Self-contained build of forensics-toolkit {version}.\n\n -- {maintainer()}  {when}\n")


def _write_gz(path: Path, text: str) -> None:
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as handle:
        handle.write(text.encode("utf-8"))


def lintian(deb: Path) -> tuple[int, str]:
    """Run lintian when installed; (exit code, its report). (-1, "") when it is not."""
    if not shutil.which("lintian"):
        return -1, ""
    out = subprocess.run(["lintian", "--tag-display-limit", "0", "--info", str(deb)], capture_output=True, text=True,
                         check=False)
    return out.returncode, (out.stdout + out.stderr).strip()
