"""The ``forensics`` command: a stable, scriptable contract over the services.

Exit codes: 0 success; 1 a check found problems; 2 usage, input or open error
(one clear line on stderr); 3 an internal error (details written to a log file);
4 a verifier found nothing wrong but was given no trusted key, so the origin is
not verified; 130 cancelled by the user (the vault stays consistent).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

import forensics_app
from evidence_store import ForensicsError

from .common import Options, common_options, err

# Command name -> modules to import (the first holds the command) and the attribute.
# Loading a module only when its command runs keeps `forensics --version` and every
# scripted call fast: the disk, web, report and GUI stacks are heavy to import.
LAZY_COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "vault": (("vault_cmds",), "vault_group"),
    "examiner": (("vault_cmds",), "examiner_group"),
    "settings": (("vault_cmds",), "settings_group"),
    "case": (("case_cmds",), "case_group"),
    "files": (("items_cmds",), "files_group"),
    "items": (("items_cmds",), "items_group"),
    "custody": (("custody_cmds",), "custody_group"),
    "capture": (("capture_cmds", "social_cmds"), "capture_group"),  # social adds `capture social`
    "profile": (("social_cmds",), "profile_group"),
    "social": (("social_cmds",), "social_group"),
    "disk": (("disk_cmds",), "disk_group"),
    "mail": (("mail_cmds",), "mail_group"),
    "chat": (("mail_cmds",), "chat_group"),
    "report": (("report_cmds",), "report"),
    "export": (("report_cmds",), "export"),
    "verify-package": (("report_cmds",), "verify_package_cmd"),
    "tsa": (("report_cmds",), "tsa_group"),
    "trust": (("trust_cmds",), "trust_group"),
    "demo": (("demo_cmd",), "demo"),
    "gui": (("gui_cmd",), "gui_command"),
    "doctor": (("doctor_cmd",), "doctor_command"),
    "search": (("analysis_cmds",), "search_cmd"), "entities": (("analysis_cmds",), "entities_group"),
    "timeline": (("analysis_cmds",), "timeline_group"), "index": (("analysis_cmds",), "index_group"),
    "watch": (("monitor_cmds",), "watch_group"), "monitor": (("monitor_cmds",), "monitor_group"),
    "tip": (("tip_cmds",), "tip_group"),
    "worker": (("worker_cmds",), "worker_group"),
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported when first used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and name not in self.commands:
            modules, attribute = LAZY_COMMANDS[name]
            loaded = [importlib.import_module(f"{__package__}.{module}") for module in modules]
            self.add_command(getattr(loaded[0], attribute), name)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(forensics_app.__version__, prog_name="forensics")
@common_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Forensic evidence collection: capture, acquire, keep in an encrypted vault, report."""
    ctx.ensure_object(Options)


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
    import traceback

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
