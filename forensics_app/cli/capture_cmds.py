"""``forensics capture web``: capture web pages into a case (batch, concurrent, resumable)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .common import cancellable, common_options, emit_json, err, is_json, opened_vault, out

if TYPE_CHECKING:  # the browser stack is imported only when a capture runs (keeps `forensics` quick to start)
    from ..services.web import WebBatchResult


@click.group("capture")
def capture_group() -> None:
    """Capture online evidence (web pages)."""


@capture_group.command("web")
@common_options
@click.argument("urls", nargs=-1)
@click.option("--case", "case_ref", required=True, help="Case id or number.")
@click.option("--urls-file", type=click.Path(path_type=Path, dir_okay=False),
              help="A file with one URL per line (# comments allowed).")
@click.option("--concurrency", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Pages captured at the same time.")
@click.option("--video", is_flag=True, help="Record a video of each capture session.")
@click.option("--mobile", is_flag=True, help="Emulate a mobile phone instead of a desktop browser.")
@click.option("--timeout", type=click.IntRange(5, 3600), help="Time limit per page, seconds (default 60).")
@click.option("--insecure", is_flag=True, help="Capture even when a site's TLS certificate is not valid "
              "(the error is recorded).")
@click.option("--allow-private-addresses", is_flag=True,
              help="Let captured pages reach loopback and private addresses (off by default).")
@click.option("--ca-file", "ca_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Extra CA certificate (PEM) to trust for sites' TLS.")
@click.option("--host-rule", "host_rules", multiple=True, help="Resolve a host yourself: 'MAP example.test 10.0.0.5'.")
@click.option("--no-pdf", is_flag=True, help="Skip the PDF print.")
@click.option("--profile", default="", help="Saved login profile to capture with (`forensics profile list`); "
              "the account is recorded in the provenance and its session is redacted in the WARC.")
@click.option("--redact-credentials", is_flag=True, help="Redact Cookie and Authorization request-header values "
              "in the WARC even without a login profile.")
@click.option("--batch", "batch_id", help="Batch name for resuming (default: derived from the case and URL list).")
@click.option("--option", "-o", "extra_options", multiple=True, metavar="NAME=VALUE",
              help="Any capture option by name (e.g. -o scroll_time_limit=40 -o pdf=false); "
                   "see `forensics capture options`.")
@click.option("--remote", is_flag=True, help="Capture on the capture workers (settings broker_url and "
              "remote_staging); each capture is stored here as it arrives.")
def capture_web_cmd(urls: tuple[str, ...], case_ref: str, urls_file: Path | None, concurrency: int, video: bool,
                    mobile: bool, timeout: int | None, insecure: bool, allow_private_addresses: bool,
                    ca_files: tuple[Path, ...], host_rules: tuple[str, ...], no_pdf: bool, profile: str,
                    redact_credentials: bool, batch_id: str | None, extra_options: tuple[str, ...],
                    remote: bool) -> int:
    """Capture URL(s) into CASE: screenshots, HTML, MHTML, PDF, WARC, WACZ and provenance.

    A rerun of the same URL list skips the pages already captured in that batch. With --profile the pages are
    seen as the profile's investigation account (see `forensics profile login`). With --remote the capture workers
    capture the pages (see `forensics worker`); --concurrency then does not apply (each worker has its own).
    """
    from collectors.web import CaptureOptions

    from ..services.web import capture_web, effective_options

    targets = capture_targets(urls, urls_file)
    changes = browser_changes(video=video, insecure=insecure, allow_private_addresses=allow_private_addresses,
                              mobile=mobile, ca_files=ca_files, host_rules=host_rules)
    changes.update({"redact_credentials": redact_credentials, "profile": profile})
    changes.update(_parse_options(extra_options))
    if timeout:
        changes["page_timeout"] = timeout
        changes["load_timeout"] = min(timeout, CaptureOptions().load_timeout)
    if no_pdf:
        changes["pdf"] = False
    with opened_vault() as vault, cancellable() as cancel:
        options = effective_options(vault, None, **{k: v for k, v in changes.items() if v or k == "pdf"})
        with _url_progress(len(targets)) as progress:
            result = capture_web(vault, case_ref, targets, options=options, concurrency=concurrency,
                                 batch_id=batch_id, progress=progress, cancel=cancel, remote=remote)
    if is_json():
        emit_json(result.to_json())
    else:
        _summary(result)
    return exit_code(len(result.outcomes), [(f.url, str(f.error)) for f in result.failed], "URL(s)",
                     unanswered=[(o.url, o.no_answer(), o.item.id if o.item else 0)
                                 for o in result.outcomes if o.no_answer()])


def capture_targets(urls: tuple[str, ...], urls_file: Path | None) -> list[str]:
    """The URLs given on the command line, then those of ``--urls-file``; at least one."""
    from ..services.web import read_urls_file

    targets = list(urls) + (read_urls_file(urls_file) if urls_file else [])
    if not targets:
        raise click.UsageError("give at least one URL, or --urls-file")
    return targets


def browser_changes(*, video: bool, insecure: bool, allow_private_addresses: bool, mobile: bool,
                    ca_files: tuple[Path, ...], host_rules: tuple[str, ...]) -> dict[str, object]:
    """Capture-option changes from the browser flags web and social capture share."""
    changes: dict[str, object] = {"video": video, "insecure": insecure,
                                  "allow_private_addresses": allow_private_addresses}
    if mobile:
        changes["device"] = "mobile"
    if ca_files:
        changes["extra_ca_files"] = tuple(str(p.resolve()) for p in ca_files)
    if host_rules:
        changes["host_rules"] = tuple(host_rules)
    return changes


def exit_code(total: int, failed: list[tuple[str, str]], noun: str,
              unanswered: Sequence[tuple[str, str, int]] = ()) -> int:
    """0; 2 after one line naming how many failed and the first failure; 1 (a check found problems) after one
    line when addresses did not answer (their incomplete captures are kept as the record of the attempt)."""
    if failed:
        url, error = failed[0]
        err.print(f"[bold red]error:[/] {len(failed)} of {total} {noun} could not be captured: {url}: {error}",
                  highlight=False)
        return 2
    if unanswered:
        url, reason, item = unanswered[0]
        err.print(f"[bold yellow]problem:[/] {len(unanswered)} of {total} {noun} did not answer: {url}: "
                  f"{_first_line(reason)} (the incomplete capture is kept as item {item})", highlight=False)
        return 1
    return 0


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0] if lines else text


def _parse_options(pairs: tuple[str, ...]) -> dict[str, object]:
    """``NAME=VALUE`` pairs checked against CaptureOptions (a typo is an error, not ignored)."""
    from collectors.web import CaptureOptions

    values: dict[str, object] = {}
    defaults = CaptureOptions()
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise click.UsageError(f"--option {pair!r}: expected NAME=VALUE")
        text = raw.strip()
        if isinstance(getattr(defaults, key.strip(), None), tuple):
            values[key.strip()] = tuple(v.strip() for v in text.split(",") if v.strip())
        else:
            values[key.strip()] = {"true": True, "yes": True, "false": False, "no": False}.get(text.lower(), text)
    checked = CaptureOptions.from_mapping(values)  # a clear UsageError on unknown names or bad values
    return {name: getattr(checked, name) for name in values}


@capture_group.command("options")
@common_options(examiner=False)
def capture_options_cmd() -> None:
    """List every capture option (name, default, help in English and Vietnamese)."""
    from collectors.web import describe_options

    rows = describe_options()
    if is_json():
        emit_json(rows)
        return
    table = Table("name", "default", "flag", "help", "tiếng Việt")
    for row in rows:
        default = row["default"]
        table.add_row(row["name"], ",".join(default) if isinstance(default, tuple) else str(default),
                      row.get("flag") or f"-o {row['name']}=…", row["en"], row["vi"])
    out.print(table)


@contextmanager
def _url_progress(total: int) -> Iterator[Callable[[int, int | None, str], None]]:
    if is_json() or not err.is_terminal:
        yield lambda done, total, label: None
        return
    bar = Progress(TextColumn("[bold]capturing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.fields[label]}"), console=err, transient=True)
    with bar:
        task = bar.add_task("capture", total=total, label="")

        def update(done: int, total_: int | None, label: str) -> None:
            bar.update(task, completed=done, total=total_, label=label[-60:])

        yield update


def _summary(result: WebBatchResult) -> None:
    """A table of the batch, then each capture's warnings (and each failure) on its own lines."""
    table = Table("URL", "result", "item", "HTTP", "complete", "files", "warnings", title=f"batch {result.batch_id}")
    table.columns[0].overflow = "fold"
    for o in result.outcomes:
        status = {"captured": "[green]captured[/]", "skipped": "skipped", "failed": "[red]failed[/]"}[o.status]
        http = (o.item.metadata.get("provenance", {}).get("http_status") if o.item else None) or ""
        table.add_row(o.url, status, str(o.item.id) if o.item else "", str(http),
                      ("yes" if o.complete else "[yellow]no[/]") if o.item else "", str(len(o.children) or ""),
                      str(len(o.item.warnings)) if o.item else "")
    out.print(table)
    for o in result.outcomes:
        if o.status == "failed":
            out.print(f"[red]✗[/] {o.url}: {o.error}", highlight=False)
        elif o.item is not None and o.status == "captured":
            for warning in o.item.warnings:
                out.print(f"[yellow]![/] item {o.item.id} {warning.code}: {warning.message}", highlight=False)
    if any(o.status == "skipped" for o in result.outcomes):
        out.print("skipped: already captured in this batch (rerun resumes where it stopped)")


COMMANDS = [capture_group]
