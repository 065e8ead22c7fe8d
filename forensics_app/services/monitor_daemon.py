"""``forensics monitor``: the loop that runs due checks while the app is closed, and its service files.

One monitor per vault (:class:`evidence_store.monitor_store.MonitorLock`); the
desktop app and other commands keep working, each write under the vault's
writer lock. The loop looks at the schedule table, runs what is due (each
overdue watch once), delivers alerts, and sleeps until the next due time (at
most ``poll`` seconds, so a watch added meanwhile by the app is seen). A jump
of the wall clock (suspend/resume, a corrected clock) is noticed by comparing
it with the monotonic clock; it changes nothing but the log line, because the
schedule never makes up missed runs one by one.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evidence_store import CancelToken, Vault, iso_utc, utc_now
from evidence_store import monitor_store as store
from evidence_store.tasks import NEVER_CANCELLED

from .monitor import CheckOutcome, Clock, next_run_in, run_due

SERVICE_NAME = "forensics-monitor.service"
CREDENTIAL = "forensics-passphrase"


def run(vault: Vault, *, once: bool = False, concurrency: int = 4, poll: float = 60, cancel: CancelToken = NEVER_CANCELLED,
        on_outcome: Callable[[CheckOutcome], None] | None = None, clock: Clock = utc_now,
        wait: Callable[[float], bool] | None = None, rounds: int | None = None, **check_args: Any) -> list[CheckOutcome]:
    """Run due checks until cancelled (or once). Returns the outcomes only with ``once`` (a long run keeps none)."""
    from .notify import deliver_pending

    waiter = wait or (lambda seconds: _sleep(seconds, cancel))
    kept: list[CheckOutcome] = []
    done_rounds = 0
    with store.MonitorLock(vault.root):
        while not cancel.cancelled:
            outcomes = run_due(vault, clock=clock, concurrency=concurrency, cancel=cancel, on_outcome=on_outcome,
                               **check_args)
            if once:
                kept = outcomes
            try:
                deliver_pending(vault)
            except Exception as exc:  # noqa: BLE001 - a notifier's fault never stops the checks; it is logged
                vault.log("monitor.alert.delivery_failed", details={"error": str(exc)[:500]})
            done_rounds += 1
            if once or (rounds is not None and done_rounds >= rounds):
                break
            pause = next_run_in(vault, clock())
            pause = poll if pause is None else min(poll, max(pause, 1.0))
            wall, mono = clock(), time.monotonic()
            if waiter(pause):
                break
            drift = (clock() - wall).total_seconds() - (time.monotonic() - mono)
            if abs(drift) > 120 and clock is utc_now:
                sys.stderr.write(f"{iso_utc()} the wall clock jumped by {drift:+.0f} s; each overdue watch runs once\n")
    return kept


def _sleep(seconds: float, cancel: CancelToken) -> bool:
    """Wait, waking at once on cancel; True when cancelled."""
    event = getattr(cancel, "_event", None)
    if isinstance(event, threading.Event):
        return event.wait(seconds)
    time.sleep(seconds)
    return cancel.cancelled


def use_credential_passphrase() -> None:
    """An unattended monitor's passphrase: systemd's credential (LoadCredential=), else the user's own
    ``monitor.passphrase`` file (owner-only on POSIX), never the unit file or the command line."""
    if "FORENSICS_PASSPHRASE" in os.environ:
        return
    folder = os.environ.get("CREDENTIALS_DIRECTORY")
    path = Path(folder) / CREDENTIAL if folder else credential_path()
    if not path.is_file():
        return
    if os.name == "posix" and not folder and path.stat().st_mode & 0o077:
        from evidence_store import UsageError

        raise UsageError(f"{path} can be read by other users: chmod 600 it (it holds a vault passphrase)",
                         message_vi=f"{path} có thể bị người dùng khác đọc: hãy đặt quyền chỉ chủ sở hữu được đọc (tệp chứa mật"
                                    " khẩu kho)")
    os.environ["FORENSICS_PASSPHRASE"] = path.read_text("utf-8").rstrip("\r\n")


def _command() -> list[str]:
    frozen = getattr(sys, "frozen", False)
    if frozen:
        return [sys.executable]
    found = shutil.which("forensics")
    return [found] if found else [sys.executable, "-m", "forensics_app.cli.main"]


def systemd_unit(vault: Path, credential: Path | None = None) -> str:
    """The user service: restarts after a failure, low priority, the passphrase from a 0600 credential file."""
    credential = credential or credential_path()
    command = " ".join(shlex.quote(part) for part in [*_command(), "monitor", "--vault", str(Path(vault).resolve())])
    return (
        "[Unit]\n"
        "Description=Forensic toolkit monitoring desk (scheduled evidential captures)\n"
        "Documentation=man:forensics(1)\n"
        "After=network-online.target\n"
        "Wants=network-online.target\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        f"ExecStart={command}\n"
        f"LoadCredential={CREDENTIAL}:{credential}\n"
        "Restart=on-failure\n"
        "RestartSec=60\n"
        "Nice=10\n"
        "NoNewPrivileges=yes\n"
        "PrivateTmp=yes\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def credential_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("forensics-toolkit")) / "monitor.passphrase"


def unit_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def install_systemd(vault: Path, *, enable: bool = True) -> dict[str, Any]:
    """Write the unit (and say how to place the passphrase); enable it when systemd's user manager answers."""
    target = unit_dir() / SERVICE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(systemd_unit(vault), "utf-8")
    steps = [f"put the vault passphrase of the examiner the monitor acts as in {credential_path()} "
             "(chmod 600): systemd hands it to the service as a credential",
             "systemctl --user daemon-reload && systemctl --user enable --now " + SERVICE_NAME,
             "loginctl enable-linger $USER   # keep it running while you are logged out"]
    enabled = False
    if enable and shutil.which("systemctl"):
        reload = subprocess.run(["systemctl", "--user", "daemon-reload"], capture_output=True, text=True, check=False)
        if reload.returncode == 0:
            enabled = subprocess.run(["systemctl", "--user", "enable", SERVICE_NAME], capture_output=True, text=True,
                                     check=False).returncode == 0
    return {"unit_path": str(target), "credential_path": str(credential_path()), "enabled": enabled,
            "next_steps": steps}
