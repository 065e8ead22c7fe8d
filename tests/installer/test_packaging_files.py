"""The packaging files, checked without building: the code stamp agrees with provenance's code hash,
the Windows installer script is consistent (it cannot be compiled here), the Linux files are valid."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "installer"))
from debian import debian_version  # noqa: E402
from manpages import forensics_page  # noqa: E402
from stamp import code_digest, code_files, write_stamps  # noqa: E402

ISS = ROOT / "installer" / "windows" / "forensics-toolkit.iss"
SPEC = ROOT / "installer" / "forensics.spec"


def test_the_stamp_is_the_code_hash_provenance_records(tmp_path: Path) -> None:
    from forensics_app.services import environment

    assert not (ROOT / "FORENSICS_CODE_SHA256").exists()  # a stamp in the tree would silently replace the hash
    assert code_digest(code_files()) == environment.code_sha256.__wrapped__()
    facts = write_stamps(tmp_path, "9.9.9")
    assert (tmp_path / "FORENSICS_CODE_SHA256").read_text().strip() == facts["code_sha256"]
    manifest = (tmp_path / "FORENSICS_CODE_MANIFEST.txt").read_text().splitlines()
    assert any(line.endswith("  forensics_app/services/doctor.py") for line in manifest)
    assert facts["version"] == "9.9.9" and re.fullmatch(r"[0-9a-f]{40}", facts["git_commit"])
    assert facts["playwright_chromium"].startswith("156.")


def test_the_spec_builds_both_programs_from_one_entry_point() -> None:
    source = SPEC.read_text("utf-8")
    ast.parse(source)  # a spec is Python
    assert re.search(r'EXE\(pyz, a\.scripts, \[\], name="forensics", console=True', source)
    assert re.search(r'EXE\(pyz, a\.scripts, \[\], name="forensics-app", console=False', source)
    entry = (ROOT / "installer" / "bundle_entry.py").read_text("utf-8")
    assert 'startswith("forensics-app")' in entry


def _iss_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for line in ISS.read_text("utf-8-sig").splitlines():
        if re.fullmatch(r"\[[A-Za-z]+\]", line.strip()):
            current = line.strip()[1:-1]
            sections[current] = []
        elif current and line.strip() and not line.lstrip().startswith((";", "#")):
            sections[current].append(line)
    return sections


def _inno_unquote(value: str) -> str:
    assert value.startswith('"') and value.endswith('"'), value
    return value[1:-1].replace('""', '"')


def test_the_inno_setup_script_is_complete_and_consistent() -> None:
    raw = ISS.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Inno Setup reads the Vietnamese texts right
    sections = _iss_sections()
    assert {"Setup", "Languages", "CustomMessages", "Tasks", "InstallDelete", "Files", "Icons", "Registry", "Run",
            "Code"} <= set(sections)
    setup = dict(line.split("=", 1) for line in sections["Setup"])
    assert re.fullmatch(r"\{\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}", setup["AppId"])
    assert setup["PrivilegesRequired"] == "admin" and setup["DefaultDirName"].startswith("{autopf}")
    assert setup["ChangesAssociations"] == "yes" and setup["UninstallDisplayIcon"] == r"{app}\forensics-app.exe"
    assert "Uninstallable" not in setup  # the default: an uninstaller in Settings > Apps

    text = ISS.read_text("utf-8-sig")
    used = set(re.findall(r"\{cm:([A-Za-z]+)\}", text))
    english = {m.group(1) for m in re.finditer(r"^en\.([A-Za-z]+)=", text, re.MULTILINE)}
    vietnamese = {m.group(1) for m in re.finditer(r"^vi\.([A-Za-z]+)=", text, re.MULTILINE)}
    assert used <= english and english == vietnamese, (used - english, english ^ vietnamese)

    programs = set(re.findall(r"\{app\}\\([\w.-]+\.exe)", text))
    assert programs == {"forensics.exe", "forensics-app.exe"}  # the spec's two executables
    assert any("{autoprograms}" in line and "forensics-app.exe" in line for line in sections["Icons"])

    commands = [re.search(r'ValueData: ("(?:[^"]|"")*")', line) for line in sections["Registry"] if "command" in line]
    assert len(commands) == 3
    for match in commands:
        assert match is not None
        assert _inno_unquote(match.group(1)) == '"{cmd}" /k ""{app}\\forensics.exe" verify-package "%1""'
    tops = [line for line in sections["Registry"] if re.search(r'Subkey: "Software\\Classes\\[^"]*(Package|Verify)"', line)]
    assert tops and all("uninsdeletekey" in line or "Icon" in line or "DefaultIcon" in line for line in tops)
    assert any("OpenWithProgids" in line and "uninsdeletevalue" in line for line in sections["Registry"])
    assert not any(re.search(r'Subkey: "Software\\Classes\\\.zip"; ValueType', line) for line in sections["Registry"]), \
        "the default program for ZIP files must not be taken over"
    assert "runasoriginaluser" in sections["Run"][0]
    code = "\n".join(sections["Code"])
    assert code.count("begin") == code.count("end;") and "usPostUninstall" in code


def test_the_linux_files() -> None:
    desktop = ROOT / "installer" / "linux" / "forensics-toolkit.desktop"
    if shutil.which("desktop-file-validate"):
        checked = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True, check=False)
        assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout
    syntax = subprocess.run(["sh", "-n", str(ROOT / "installer" / "linux" / "install.sh")], capture_output=True,
                            text=True, check=False)
    assert syntax.returncode == 0, syntax.stderr
    page = forensics_page("0.1.0")
    import click

    from forensics_app.cli.main import cli

    for command in cli.list_commands(click.Context(cli)):
        assert f"\\fB{command.replace('-', chr(92) + '-')}\\fR" in page, command


@pytest.mark.parametrize(("pep440", "debian"), [("0.1.0", "0.1.0"), ("1.0rc1", "1.0~rc1"), ("2.0b2", "2.0~b2"),
                                                ("1.2.dev3", "1.2~dev3")])
def test_debian_versions_sort_like_python_ones(pep440: str, debian: str) -> None:
    assert debian_version(pep440) == debian
    final = re.sub(r"~.*", "", debian).rstrip(".")
    if "~" in debian:
        assert subprocess.run(["dpkg", "--compare-versions", debian, "lt", final], check=False).returncode == 0
