"""The Linux bundle, run from the bundle only: the build's ``.venv``, its Python and the source packages
are covered by empty mounts in a private namespace, and the environment holds no trace of them.

One build per session (conftest ``built``). From the bundle: ``--version``, ``doctor --json``, a short
case from vault to report (files, a local web page through Chromium, a disk image through TSK and
libewf, verify, report), the desktop app under Xvfb; then the tarball (``install.sh`` for a user)
and the ``.deb`` (``dpkg-deb --info``/``--contents``, its payload run; lintian in test_package_lintian.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import PASSPHRASE, ROOT
from tests.installer.conftest import PACKAGES, Built
from tests.installer.helpers import Site, hidden, namespaces_work
from tests.web.ntp_server import NtpServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2700)]

# What must not be used: the build's virtual environment, the Python it came from, the sources.
BUILD_ENVIRONMENT = [ROOT / ".venv", Path(sys.base_prefix), *(ROOT / p for p in PACKAGES)]
E01 = "disk/sleuthkit/image.E01"


def bundle_env(home: Path, **extra: str) -> dict[str, str]:
    """A workstation's environment: no PYTHONPATH, no virtual environment, PATH of the system."""
    home.mkdir(parents=True, exist_ok=True)
    return {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "USER": "examiner",
            "XDG_CACHE_HOME": str(home / ".cache"), "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"), "XDG_STATE_HOME": str(home / ".local" / "state"), **extra}


def run(argv: list[str | Path], env: dict[str, str], timeout: float = 300,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    wrapped = hidden(BUILD_ENVIRONMENT, [str(a) for a in argv]) if namespaces_work() else [str(a) for a in argv]
    return subprocess.run(wrapped, env=env, capture_output=True, text=True, timeout=timeout, check=False,
                          cwd=cwd or env["HOME"])


class Bundle:
    """``forensics`` of the bundle with a vault of its own."""

    def __init__(self, built: Built, home: Path) -> None:
        self.built = built
        self.home = home
        self.env = bundle_env(home, FORENSICS_VAULT=str(home / "vault"), FORENSICS_PASSPHRASE=PASSPHRASE,
                              FORENSICS_KDF_PROFILE="test")

    def __call__(self, *args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return run([self.built.bundle / "forensics", *args], self.env, timeout)

    def json(self, *args: str | Path) -> object:
        done = self(*args, "--json")
        assert done.returncode == 0, f"forensics {' '.join(map(str, args))}: {done.stdout}{done.stderr}"
        return json.loads(done.stdout)


@pytest.fixture(scope="module")
def ntp() -> Iterator[NtpServer]:
    server = NtpServer(offset=0.0)
    yield server
    server.stop()


def test_version_and_doctor_from_the_bundle_only(built: Built, tmp_path: Path, ntp: NtpServer) -> None:
    forensics = Bundle(built, tmp_path / "home")
    version = forensics("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"forensics, version {built.version}", version.stderr
    loaded = run([built.bundle / "forensics", "--version"], {**forensics.env, "LD_DEBUG": "files"})
    assert "libpython3" in loaded.stderr and "libQt6Core" not in loaded.stderr  # the command line never loads Qt
    doctor = forensics("doctor", "--json", "--ntp-server", ntp.address)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    report = json.loads(doctor.stdout)
    checks = {c["id"]: c for c in report["checks"]}
    assert {k: c["summary"]["en"] for k, c in checks.items() if c["status"] != "ok"} == {}

    tool, internal = report["tool"], str(built.bundle / "_internal")
    assert tool["bundle"] == internal and tool["executable"] == str(built.bundle / "forensics")
    assert tool["python_path"] and all(p.startswith(internal) for p in tool["python_path"]), tool["python_path"]
    assert tool["version"] == built.version and tool["build"]["version"] == built.version
    stamp = (built.bundle / "_internal" / "FORENSICS_CODE_SHA256").read_text().strip()
    assert tool["code_sha256"] == stamp == tool["build"]["code_sha256"] == built.code_sha256
    manifest = (built.bundle / "_internal" / "FORENSICS_CODE_MANIFEST.txt").read_text().splitlines()
    from stamp import code_digest

    assert code_digest([(line.split("  ", 1)[1], line.split("  ", 1)[0]) for line in manifest]) == stamp
    assert len(manifest) > 150 and tool["build"]["git_commit"]

    assert checks["browser"]["data"]["path"] == "/usr/bin/chromium" and "156" in checks["browser"]["data"]["version"]
    assert checks["playwright"]["data"]["node"].startswith(internal)  # the bundle's own driver
    assert checks["fonts"]["data"]["bundled"] is True
    assert checks["sqlcipher"]["data"]["cipher_version"].startswith("4.")
    assert checks["qt"]["data"]["missing_libraries"] == []
    assert checks["tsk"]["data"]["tsk"].startswith("4.") and checks["libewf"]["data"]["library_versions"]["pyewf"]
    assert checks["clock"]["data"]["checked"] is True


def test_a_case_from_vault_to_report_from_the_bundle(built: Built, tmp_path: Path, shared_fixtures: Path) -> None:
    forensics = Bundle(built, tmp_path / "home")
    done = forensics("vault", "init", "--examiner-name", "Nguyễn Văn Kiểm", "--agency", "Công an tỉnh Thử Nghiệm")
    assert done.returncode == 0, done.stderr
    assert forensics("case", "new", "--number", "VV-2026-001", "--title", "Bản cài độc lập").returncode == 0
    seized = tmp_path / "thu giữ"
    seized.mkdir()
    (seized / "tin nhắn.txt").write_text("Nội dung tin nhắn.\n", "utf-8")
    added = forensics.json("files", "add", seized, "--case", "VV-2026-001")
    assert {i["name"] for i in added["items"]} >= {"thu giữ", "tin nhắn.txt"}  # type: ignore[index]

    site = Site()
    try:
        # Generous waits: this checks the bundle, not the page's timing on a loaded machine.
        captured = forensics.json("capture", "web", site.url + "/", "--case", "VV-2026-001",
                                  "--allow-private-addresses", "-o", "idle_timeout=30", "-o", "load_timeout=60")
    finally:
        site.stop()
    result = captured["results"][0]  # type: ignore[index]
    partial = [w["code"] for w in result["warnings"]]  # type: ignore[index]
    assert result["status"] == "captured" and result["http_status"] == 200, result
    assert result["complete"] is True, f"capture marked partial: {partial}"
    kinds = {child["kind"] for child in result["children"]}
    assert {"screenshot", "html", "pdf", "warc", "wacz", "provenance"} <= kinds
    assert "/style.css" in site.requests
    shown = forensics.json("items", "show", str(result["item_id"]))
    provenance = shown["metadata"]["provenance"]  # type: ignore[index]
    assert provenance["tool"]["code_sha256"] == built.code_sha256 and provenance["tool"]["version"] == built.version

    listing = forensics.json("disk", "ls", shared_fixtures / E01, "-r")
    assert {(e["path"], e["deleted"]) for e in listing} >= {  # type: ignore[union-attr]
        ("/passwords.txt", False), ("/a_directory/another_file", False), ("/a_directory/another_file~", True)}
    from_source = subprocess.run([sys.executable, "-m", "forensics_app.cli.main", "disk", "ls", str(shared_fixtures / E01),
                                  "-r", "--json"], capture_output=True, text=True, check=True, cwd=ROOT)
    assert listing == json.loads(from_source.stdout)  # the bundle reads the E01 exactly as the source tree does

    verify = forensics("vault", "verify")
    assert verify.returncode == 0 and verify.stdout.startswith("OK"), verify.stdout + verify.stderr
    pdf = tmp_path / "bao-cao.pdf"
    report = forensics("report", "VV-2026-001", "--lang", "vi", "--out", pdf)
    assert report.returncode == 0, report.stderr
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "VV-2026-001" in text and built.code_sha256[:16] in text and "Nguyễn Văn Kiểm" in text


def test_the_desktop_app_starts_from_the_bundle_and_runs_its_check(built: Built, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = bundle_env(home, FORENSICS_VAULT=str(home / "vault"))
    helped = run([built.bundle / "forensics-app", "--help"], env)
    assert helped.returncode == 0 and "--language" in helped.stdout
    marker = home / ".config" / "forensics-toolkit" / "doctor-seen.json"
    argv = [str(a) for a in ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", built.bundle / "forensics-app"]]
    wrapped = hidden(BUILD_ENVIRONMENT, argv) if namespaces_work() else argv
    app = subprocess.Popen(wrapped, env=env, cwd=home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not marker.is_file() and app.poll() is None:
            time.sleep(0.5)
        assert app.poll() is None, app.communicate()[0]
        assert marker.is_file(), "the first-start check did not run"
        seen = json.loads(marker.read_text("utf-8"))
        assert seen["build"] == f"{built.version}+{built.code_sha256}"
    finally:
        os.killpg(app.pid, 15)
        output = app.communicate(timeout=30)[0]
    assert "Could not load the Qt platform plugin" not in output and "Traceback" not in output, output


def test_the_tarball_installs_for_a_user(built: Built, tmp_path: Path) -> None:
    top = built.tarball.name.removesuffix(".tar.gz")
    with tarfile.open(built.tarball) as archive:
        members = {m.name: m for m in archive.getmembers()}
        archive.extractall(tmp_path / "unpacked", filter="tar")
    for name in ("forensics", "forensics-app", "install.sh"):
        assert members[f"{top}/{name}"].mode & 0o111, name
    assert members[f"{top}/share/applications/forensics-toolkit.desktop"].isfile()
    assert members[f"{top}/share/icons/hicolor/256x256/apps/forensics-toolkit.png"].isfile()
    assert all(m.uid == 0 and m.uname == "root" for m in members.values())
    folder = tmp_path / "unpacked" / top
    readme = (folder / "README.txt").read_text("utf-8")
    assert built.version in readme and built.code_sha256 in readme and "Cài đặt" in readme

    home = tmp_path / "home"
    env = bundle_env(home)
    installed = run(["sh", folder / "install.sh"], env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    command = home / ".local" / "bin" / "forensics"
    assert command.is_symlink() and command.resolve() == (folder / "forensics").resolve()
    version = run([command, "--version"], env)  # started through the link, from another folder
    assert version.returncode == 0 and built.version in version.stdout, version.stderr
    desktop = home / ".local" / "share" / "applications" / "forensics-toolkit.desktop"
    entry = desktop.read_text("utf-8")
    assert f'Exec="{folder}/forensics-app"' in entry and "Name[vi]=" in entry
    if Path("/usr/bin/desktop-file-validate").exists():
        checked = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True, check=False)
        assert checked.returncode == 0 and "error" not in checked.stdout, checked.stdout
    assert (home / ".local" / "share" / "icons" / "hicolor" / "scalable" / "apps" / "forensics-toolkit.svg").is_file()
    removed = run(["sh", folder / "install.sh", "--uninstall"], env)
    assert removed.returncode == 0 and not command.exists() and not desktop.exists()


def _dpkg_deb(*args: str | Path) -> str:
    done = subprocess.run(["dpkg-deb", *map(str, args)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_deb_package(built: Built, tmp_path: Path) -> None:
    info = _dpkg_deb("--info", built.deb)
    fields = dict(line.strip().split(": ", 1) for line in info.splitlines() if ": " in line and line.startswith(" ")
                  and not line.startswith("  "))
    assert fields["Package"] == "forensics-toolkit" and fields["Architecture"] == "amd64"
    assert fields["Version"] == built.version
    depends = [d.strip() for d in fields["Depends"].split(",")]
    assert "chromium | google-chrome-stable | microsoft-edge-stable" in depends and "ffmpeg" in depends
    assert any(d.startswith("libc6 (>= 2.") for d in depends) and "fonts-noto-core" in depends
    for dependency in depends:  # every name is a real package (installed here by the set-up)
        name = dependency.split("|")[0].split("(")[0].strip()
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True, check=False)
        assert status.stdout.endswith("installed"), (name, status.stdout + status.stderr)

    contents = _dpkg_deb("--contents", built.deb)
    assert "./usr/bin/forensics -> ../lib/forensics-toolkit/forensics" in contents
    assert "./usr/bin/forensics-app -> ../lib/forensics-toolkit/forensics-app" in contents
    for path in ("./usr/lib/forensics-toolkit/forensics", "./usr/share/applications/forensics-toolkit.desktop",
                 "./usr/share/icons/hicolor/scalable/apps/forensics-toolkit.svg", "./usr/share/man/man1/forensics.1.gz",
                 "./usr/share/doc/forensics-toolkit/copyright", "./usr/share/doc/forensics-toolkit/changelog.gz",
                 "./usr/share/lintian/overrides/forensics-toolkit"):
        assert path in contents, path
    assert "/_internal/fonts/" not in contents  # Debian's font packages instead

    payload = tmp_path / "payload"
    _dpkg_deb("-x", built.deb, payload)
    forensics = payload / "usr" / "lib" / "forensics-toolkit" / "forensics"
    env = bundle_env(tmp_path / "home", FORENSICS_VAULT=str(tmp_path / "vault"))
    doctor = run([forensics, "doctor", "--json", "--check", "fonts", "--check", "tool", "--check", "tsk"], env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    checks = {c["id"]: c for c in json.loads(doctor.stdout)["checks"]}
    assert checks["fonts"]["status"] == "ok" and checks["fonts"]["data"]["bundled"] is False
    assert checks["tool"]["data"]["code_sha256"] == built.code_sha256

