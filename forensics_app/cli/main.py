"""The ``forensics`` command: a stable, scriptable contract over the services.

Exit codes: 0 success; 1 a check found problems; 2 usage, input or open error
(one clear line on stderr); 3 an internal error (details written to a log file);
130 cancelled by the user (the vault stays consistent).
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

import forensics_app
from evidence_store import ForensicsError

from . import (
    capture_cmds,
    case_cmds,
    custody_cmds,
    demo_cmd,
    disk_cmds,
    doctor_cmd,
    gui_cmd,
    items_cmds,
    report_cmds,
    social_cmds,
    vault_cmds,
)
from .common import Options, common_options, err


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(forensics_app.__version__, prog_name="forensics")
@common_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Forensic evidence collection: capture, acquire, keep in an encrypted vault, report."""
    ctx.ensure_object(Options)


for module in (vault_cmds, case_cmds, items_cmds, custody_cmds, demo_cmd, capture_cmds, disk_cmds, gui_cmd, report_cmds,
               social_cmds, doctor_cmd):
    for command in module.COMMANDS:
        cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    try:
        result = cli.main(args=argv, prog_name="forensics", standalone_mode=False)
    except ForensicsError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
        return exc.exit_code
    except click.exceptions.Abort:
        err.print("cancelled")
        return 130
    except KeyboardInterrupt:
        err.print("interrupted; the vault stays consistent (run `forensics vault verify` to check)")
        return 130
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return 2
    except Exception:  # a bug: keep the details, show one line
        log = _write_crash_log()
        err.print(f"[bold red]internal error[/] (a bug; details in {log}): {sys.exc_info()[1]!r}")
        return 3
    return result if isinstance(result, int) else 0


def _write_crash_log() -> Path:
    from platformdirs import user_log_dir

    from evidence_store import iso_utc

    folder = Path(user_log_dir("forensics-toolkit", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "crash.log"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n--- {iso_utc()} {' '.join(sys.argv)}\n{traceback.format_exc()}")
    return path


def entry_point() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
