"""Manual pages for the packages, written from the command line's own help (never out of date)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path


def _roff(text: str) -> str:
    """Escape text for roff: backslashes, and a leading dot or quote that would start a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + line) if line[:1] in ".'" else line for line in text.splitlines())


def forensics_page(version: str) -> str:
    import click

    from forensics_app.cli.main import cli

    ctx = click.Context(cli, info_name="forensics")
    lines = [
        f'.TH FORENSICS 1 "{datetime.now(UTC):%Y-%m-%d}" "forensics-toolkit {version}" "User Commands"',
        ".SH NAME", "forensics \\- forensic evidence collection into an encrypted evidence vault",
        ".SH SYNOPSIS", ".B forensics", "[\\fB\\-\\-vault\\fR \\fIDIR\\fR] [\\fB\\-\\-json\\fR] \\fICOMMAND\\fR ...",
        ".SH DESCRIPTION", _roff(cli.help or ""),
        "Every command takes \\fB\\-\\-vault\\fR (default \\fBFORENSICS_VAULT\\fR) and reads the passphrase from "
        "\\fBFORENSICS_PASSPHRASE\\fR or asks for it; \\fB\\-\\-json\\fR prints machine\\-readable output.",
        ".SH COMMANDS",
    ]
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        lines += [".TP", f"\\fB{_roff(name)}\\fR", _roff(command.get_short_help_str(200))]
    lines += [
        ".PP", "Run \\fBforensics\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR for the options of each command.",
        ".SH EXIT STATUS",
        "0 success; 1 a check found problems; 2 a usage, input or open error; 3 an internal error "
        "(details in the crash log); 130 cancelled (the vault stays consistent).",
        ".SH SEE ALSO", ".BR forensics\\-app (1)",
    ]
    return "\n".join(lines) + "\n"


def forensics_app_page(version: str) -> str:
    return "\n".join([
        f'.TH FORENSICS-APP 1 "{datetime.now(UTC):%Y-%m-%d}" "forensics-toolkit {version}" "User Commands"',
        ".SH NAME", "forensics\\-app \\- the forensic evidence workstation (desktop app)",
        ".SH SYNOPSIS", ".B forensics\\-app",
        "[\\fB\\-\\-vault\\fR \\fIDIR\\fR] [\\fB\\-\\-language\\fR \\fBvi\\fR|\\fBen\\fR]",
        ".SH DESCRIPTION",
        "Cases, evidence, previews and every action of \\fBforensics\\fR(1) in a window, in Vietnamese or "
        "English. The first start shows the workstation check of \\fBforensics doctor\\fR.",
        ".SH OPTIONS", ".TP", "\\fB\\-\\-vault\\fR \\fIDIR\\fR", "Open this vault (default: FORENSICS_VAULT, else the "
        "last one).", ".TP", "\\fB\\-\\-language\\fR \\fBvi\\fR|\\fBen\\fR", "Interface language for this run.",
        ".SH SEE ALSO", ".BR forensics (1)",
    ]) + "\n"


def write_man_pages(folder: Path, version: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (("forensics.1.gz", forensics_page(version)), ("forensics-app.1.gz", forensics_app_page(version))):
        path = folder / name
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as handle:
            handle.write(text.encode("utf-8"))
        written.append(path)
    return written
