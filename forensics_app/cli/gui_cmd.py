"""``forensics gui``: start the desktop app (the same as ``forensics-app``)."""

from __future__ import annotations

import click

from .common import common_options, options


@click.command("gui")
@common_options(examiner=False)
@click.option("--language", type=click.Choice(["vi", "en"]), help="Interface language for this run.")
def gui_command(language: str | None) -> int:
    """Start the desktop application (opens --vault, else FORENSICS_VAULT, else the last vault)."""
    try:
        from ..gui.app import main
    except ImportError as exc:  # the gui extra is not installed
        from evidence_store import UsageError

        raise UsageError(f"the desktop app needs PySide6 (pip install 'forensics-toolkit[gui]'): {exc}") from exc
    argv: list[str] = []
    if options().vault_path is not None:
        argv += ["--vault", str(options().vault_path)]
    if language:
        argv += ["--language", language]
    return main(argv)


COMMANDS = [gui_command]
