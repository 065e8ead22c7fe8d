"""``forensics demo``: a guided end-to-end run in a temporary vault."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import click

from ..services.demo import run_demo
from .common import common_options, emit_json, is_json, out


@click.command("demo")
@common_options(examiner=False)
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False),
              help="Where to put the demo vault and outputs (default: a new temporary folder).")
def demo(workdir: Path | None) -> int:
    """Run every capability once on sample data and say where the outputs are."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="forensics-demo-"))
    steps: list[dict[str, Any]] = []

    def step(title: str, facts: dict[str, Any]) -> None:
        steps.append({"step": title, **facts})
        if not is_json():
            out.print(f"[bold green]✓[/] {title}")
            for key, value in facts.items():
                if isinstance(value, list):
                    for entry in value:
                        out.print(f"    {entry}", highlight=False)
                else:
                    out.print(f"    {key}: {value}", highlight=False)

    summary = run_demo(workdir, step)
    if is_json():
        emit_json({**summary, "steps": steps})
    else:
        out.print(f"\nEverything is in [bold]{summary['workdir']}[/] (vault: {summary['vault']}).")
    return 0 if summary["ok"] else 1


COMMANDS = [demo]
