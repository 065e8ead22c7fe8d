"""``forensics doctor``: is this workstation ready, and what to install or fix when it is not."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from ..services.doctor import CHECKS as DOCTOR_CHECKS
from ..services.doctor import Report, run_checks
from .common import cancellable, common_options, emit_json, err, is_json, options, out, progress_bar

MARKS = {"ok": "[green]OK[/]", "warn": "[yellow]WARN[/]", "fail": "[bold red]FAIL[/]"}


def print_report(report: Report, lang: str) -> None:
    tool = report.tool
    build = tool.get("build") or {}
    line = f"forensics-toolkit {tool.get('version')} · code SHA-256 {tool.get('code_sha256')}"
    if build:
        dirty = " (uncommitted changes)" if build.get("git_dirty") else ""
        line += f"\nbuilt {build.get('built_at')} from {str(build.get('git_commit') or '?')[:12]}{dirty}"
    out.print(escape(line), highlight=False)
    table = Table("", "component" if lang == "en" else "thành phần", "found" if lang == "en" else "kết quả",
                  show_lines=False)
    for f in report.findings:
        table.add_row(MARKS[f.status], escape(f.component(lang)), escape(f.text(lang)))
    out.print(table)
    problems = report.problems()
    if problems:
        out.print("[bold]How to fix[/]" if lang == "en" else "[bold]Cách khắc phục[/]")
        for n, f in enumerate(problems, 1):
            out.print(f"{n}. {escape(f.component(lang))}: {escape(f.fix_text(lang))}", highlight=False)
    counts = report.counts()
    summary = (f"{counts['ok']} ok, {counts['warn']} warning(s), {counts['fail']} missing"
               if lang == "en" else f"{counts['ok']} đạt, {counts['warn']} cảnh báo, {counts['fail']} thiếu")
    out.print(summary)


@click.command("doctor")
@common_options(examiner=False)
@click.option("--ntp-server", help="Time server for the clock check (default: pool.ntp.org, the setting's default).")
@click.option("--browser", "browser_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Check this browser executable instead of the one found (like the browser_path setting).")
@click.option("--check", "only", multiple=True, type=click.Choice([name for name, _ in DOCTOR_CHECKS]),
              help="Run only this check (repeatable).")
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True, help="Language of the text.")
@click.option("--social", is_flag=True, help="Only the social readers: each run on the bundled real pages, per platform.")
@click.option("--install-browser", is_flag=True,
              help="Download Playwright's Chromium first (when no browser is installed and the server answers).")
def doctor_command(ntp_server: str | None, browser_path: Path | None, only: tuple[str, ...], lang: str,
                   social: bool, install_browser: bool) -> int:
    """Check every part the toolkit needs (browser, ffmpeg, fonts, disk-image libraries, SQLCipher, vault
    location, clock) and say how to fix what is missing. Exit 1 when something is missing."""
    if install_browser:
        from ..services.browser_setup import install_browser as download

        with cancellable() as cancel, progress_bar("downloading Chromium") as progress:
            path, downloaded = download(progress=progress, cancel=cancel)
        err.print(f"browser downloaded: {path}" if downloaded else f"a browser is already installed ({path}): nothing downloaded")
    only = ("social",) if social else only
    report = run_checks(options().vault_path, ntp_server, browser_setting=str(browser_path or ""), only=only)
    if is_json():
        emit_json(report.to_json())
    else:
        print_report(report, lang)
        if social:
            from .social_health_view import print_readers

            print_readers(report.get("social").data.get("readers") or {}, lang)
    return 0 if report.ok else 1


COMMANDS = [doctor_command]
