"""`forensics monitor install`: the systemd user unit (its content, and `systemd-analyze verify` on it), the
passphrase credential, and the Windows installer's Task Scheduler entry."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from forensics_app.services import monitor_daemon
from tests.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]


def test_unit_file_content(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    printed = cli("monitor", "install", "--print", "--vault", str(tmp_path / "kho chứng cứ"))
    assert printed.code == 0, printed.err
    unit = printed.out
    exec_line = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert exec_line.endswith(f"monitor --vault '{(tmp_path / 'kho chứng cứ').resolve()}'")
    assert "LoadCredential=forensics-passphrase:" in unit and "Restart=on-failure" in unit
    assert "WantedBy=default.target" in unit and "FORENSICS_PASSPHRASE" not in unit
    installed = cli("monitor", "install", "--no-enable", "--json", "--vault", str(tmp_path / "v"))
    assert installed.code == 0, installed.err
    path = Path(installed.json()["unit_path"])  # type: ignore[index]
    assert path == tmp_path / "config" / "systemd" / "user" / "forensics-monitor.service"
    assert path.read_text() == monitor_daemon.systemd_unit(tmp_path / "v")


def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    assert shutil.which("systemd-analyze"), "systemd-analyze is missing: installer/debian-packages.txt lists systemd"
    credential = tmp_path / "monitor.passphrase"
    credential.write_text("x")
    unit = tmp_path / "forensics-monitor.service"
    unit.write_text(monitor_daemon.systemd_unit(tmp_path / "vault", credential))
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)], capture_output=True, text=True,
                            env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"}, check=False)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if "forensics-monitor.service" in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


def test_the_passphrase_comes_from_the_credential_or_a_private_file(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORENSICS_PASSPHRASE", raising=False)
    folder = tmp_path / "creds"
    folder.mkdir()
    (folder / "forensics-passphrase").write_text("mật khẩu kho\n", "utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(folder))
    monitor_daemon.use_credential_passphrase()
    assert os.environ["FORENSICS_PASSPHRASE"] == "mật khẩu kho"
    monkeypatch.delenv("FORENSICS_PASSPHRASE")
    monkeypatch.delenv("CREDENTIALS_DIRECTORY")
    own = tmp_path / "own.passphrase"
    own.write_text("khác\n", "utf-8")
    own.chmod(0o644)
    monkeypatch.setattr(monitor_daemon, "credential_path", lambda: own)
    from evidence_store import UsageError

    with pytest.raises(UsageError, match="chmod 600"):
        monitor_daemon.use_credential_passphrase()
    own.chmod(0o600)
    monitor_daemon.use_credential_passphrase()
    assert os.environ["FORENSICS_PASSPHRASE"] == "khác"


def test_windows_installer_offers_a_task_scheduler_entry_and_removes_it() -> None:
    iss = (ROOT / "installer" / "windows" / "forensics-toolkit.iss").read_text("utf-8")
    assert 'Name: "monitortask"; Description: "{cm:TaskMonitor}"' in iss
    run = iss.split("[Run]")[1].split("[UninstallRun]")[0]
    create = next(line for line in run.splitlines() if "schtasks.exe" in line)
    assert "/Create /F /SC ONLOGON" in create and "Tasks: monitortask" in create
    assert '""\\""{app}\\forensics.exe\\"" monitor""' in create
    uninstall = iss.split("[UninstallRun]")[1].split("[Code]")[0]
    assert '/Delete /F /TN ""Forensics Toolkit\\Monitor""' in uninstall and "RunOnceId" in uninstall
    assert "en.TaskMonitor=" in iss and "vi.TaskMonitor=" in iss


def test_second_monitor_on_a_vault_is_refused(tmp_path: Path) -> None:
    from evidence_store import VaultBusyError
    from evidence_store.monitor_store import MonitorLock

    code = ("import sys, time; from evidence_store.monitor_store import MonitorLock\n"
            "with MonitorLock(sys.argv[1]):\n    print('held', flush=True); time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(VaultBusyError, match="already running"), MonitorLock(tmp_path):
            pass
    finally:
        holder.kill()
        holder.wait()
    with MonitorLock(tmp_path):  # released by the OS when its holder died
        pass
