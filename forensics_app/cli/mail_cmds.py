"""``forensics mail add|show|recheck`` (e-mail) and ``forensics chat add|show`` (chat exports)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from evidence_store.hashing import optional_algorithms

from .common import cancellable, common_options, emit_json, err, is_json, opened_vault, out, progress_bar

TRUSTED = click.option("--trusted-host", "trusted", multiple=True, metavar="HOST",
                       help="A mail server you trust (e.g. the recipient's own, `mx.example.vn`); its Received "
                            "headers count as added by a trusted server. Repeatable.")
DNS_FILE = click.option("--dns-answers", "dns_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
                        help="JSON file of DNS TXT answers to check DKIM/ARC with ({name: record} or the list a "
                             "message recorded).")
SERVER = click.option("--dns-server", metavar="HOST[:PORT]",
                      help="The DNS resolver --fetch-dns asks (default: the system's); recorded with each answer.")
FETCH = click.option("--fetch-dns", is_flag=True,
                     help="Look DKIM/ARC keys up in DNS now (this reaches the sender's DNS servers); the answers are "
                          "recorded in each message.")


@click.group("mail")
def mail_group() -> None:
    """E-mail as evidence: .eml, mbox, Maildir, PST/OST and .msg, with route and authenticity checks."""


@mail_group.command("add")
@common_options
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@click.option("--case", "case_ref", required=True, help="Case id or number.")
@TRUSTED
@DNS_FILE
@FETCH
@SERVER
@click.option("--hash", "extra", multiple=True, type=click.Choice(["md5", "sha1"]),
              help="Also compute MD5/SHA-1 (for comparison with other tools' logs).")
def mail_add(paths: tuple[Path, ...], case_ref: str, trusted: tuple[str, ...], dns_file: Path | None,
             fetch_dns: bool, dns_server: str | None, extra: tuple[str, ...]) -> int:
    """Import e-mail containers into CASE: each message with its attachments, route and checks.

    Exit 1 when something was skipped or stored incomplete (each listed with its place).
    """
    from collectors.messages.options import MailOptions

    from ..services.messages import import_mail, load_dns_answers

    answers = tuple(load_dns_answers(dns_file)) if dns_file else ()
    options = MailOptions(trusted_hosts=trusted, fetch_dns=fetch_dns, dns_answers=answers, dns_server=dns_server)
    with opened_vault() as vault, cancellable() as cancel, progress_bar("importing") as progress:
        result = import_mail(vault, case_ref, list(paths), options, extra_hashes=optional_algorithms(extra),
                             progress=progress, cancel=cancel)
    if is_json():
        emit_json(result.to_json())
    else:
        for source in result.sources:
            out.print(f"{source['path']} ({source['format']}): {source['messages']} message(s)", highlight=False)
        out.print(f"{result.messages} message(s), {result.attachments} attachment(s), {result.items} item(s) "
                  f"stored; {result.warnings} warning(s)", highlight=False)
        _problems(result.skipped, result.incomplete, result.ignored)
        for note in result.notes:
            err.print(f"[yellow]note[/] {note}", highlight=False)
    return 1 if result.problems else 0


def _problems(skipped: list[tuple[str, str]], incomplete: list[tuple[str, str]], ignored: list[str]) -> None:
    for place, reason in skipped:
        err.print(f"[yellow]skipped[/] {place}: {reason}", highlight=False)
    for place, reason in incomplete:
        err.print(f"[yellow]incomplete[/] {place}: {reason}", highlight=False)
    if ignored:
        err.print(f"{len(ignored)} file(s) in the folders are not messages and were left alone "
                  "(add them with `forensics files add`)", highlight=False)


@mail_group.command("show")
@common_options
@click.argument("item_id", metavar="ID")
def mail_show(item_id: str) -> None:
    """A stored message: headers, route table, authenticity results, attachments (the viewing is logged)."""
    from ..services.messages import message_view

    with opened_vault() as vault:
        view = message_view(vault, item_id)
    if is_json():
        emit_json({"item": view.item.to_json(), "headers": view.headers, "text": view.plain, "html": view.html,
                   "attachments": [{"id": a.id, "name": a.name, "size": a.size, "sha256": a.sha256}
                                   for a in view.attachments],
                   "received": view.received, "authenticity": view.authenticity, "problems": view.problems})
        return
    for name, value in view.headers:
        click.echo(f"{name}: {value}")
    click.echo("")
    click.echo(view.plain if view.plain else "(no plain-text body; HTML body shown as text in the app)")
    if view.received:
        out.print(route_table(view.received))
    if view.authenticity:
        out.print(authenticity_table(view.authenticity))
    for attachment in view.attachments:
        click.echo(f"attachment {attachment.id}: {attachment.name} ({attachment.size} bytes) SHA-256 {attachment.sha256}")


def route_table(hops: list[dict[str, Any]]) -> Table:
    table = Table("hop", "from", "by", "with", "time (UTC)", "gap", "trust", title="Route (Received headers)")
    for hop in hops:
        gap = hop.get("gap_seconds")
        table.add_row(str(hop["hop"]), _cell(hop.get("from"), hop.get("from_ip")), _cell(hop.get("by")),
                      _cell(hop.get("with")), _cell(hop.get("time")), "" if gap is None else f"{gap} s",
                      str(hop.get("trust")))
    return table


def authenticity_table(data: dict[str, Any]) -> Table:
    table = Table("check", "domain / selector", "result", "reason", title="Authenticity")
    for row in data.get("dkim") or []:
        table.add_row("DKIM", f"{row.get('domain')} / {row.get('selector')}", str(row.get("result")),
                      str(row.get("reason") or ""))
    arc = data.get("arc")
    if arc:
        table.add_row("ARC", "", str(arc.get("result")), str(arc.get("reason") or ""))
    for claim in data.get("claims") or []:
        for result in claim.get("results") or []:
            table.add_row(f"{result.get('method')} (claim)", str(claim.get("authserv_id") or claim.get("header")),
                          str(result.get("result")), "reported by the receiving server, not checked here")
    for answer in data.get("dns") or []:
        table.add_row("DNS", str(answer.get("name")), str(answer.get("status")),
                      f"{answer.get('source') or '-'} {answer.get('at') or ''} {answer.get('error') or ''}".strip())
    return table


def _cell(*values: Any) -> str:
    return " ".join(str(v) for v in values if v) or "-"


@mail_group.command("recheck")
@common_options
@click.argument("item_id", metavar="ID")
@TRUSTED
@DNS_FILE
@FETCH
@SERVER
def mail_recheck(item_id: str, trusted: tuple[str, ...], dns_file: Path | None, fetch_dns: bool,
                 dns_server: str | None) -> int:
    """Repeat a message's DKIM/ARC checks (default: with the DNS answers recorded at import); logged.

    Exit 1 when a signature does not verify.
    """
    from ..services.messages import load_dns_answers, recheck

    answers = load_dns_answers(dns_file) if dns_file else None
    with opened_vault() as vault:
        outcome = recheck(vault, item_id, dns_answers=answers, fetch_dns=fetch_dns,
                          trusted_hosts=trusted or None, dns_server=dns_server)
    if is_json():
        emit_json(outcome)
    else:
        out.print(authenticity_table(outcome))
        if outcome.get("received"):
            out.print(route_table(outcome["received"]))
    failed = [r for r in outcome.get("dkim") or [] if r.get("result") == "fail"]
    return 1 if failed or (outcome.get("arc") or {}).get("result") == "fail" else 0


@click.group("chat")
def chat_group() -> None:
    """Chat exports as evidence: Telegram Desktop (result.json) and Facebook "Download Your Information"."""


@chat_group.command("add")
@common_options
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@click.option("--case", "case_ref", required=True, help="Case id or number.")
@click.option("--format", "exporter", type=click.Choice(["telegram", "facebook"]),
              help="The export's format (default: recognised from the files).")
@click.option("--timezone", "zone", metavar="ZONE",
              help="Zone the export's local times were written in, where it names none (default: the vault's "
                   "setting, else Asia/Ho_Chi_Minh); recorded with every time read this way.")
@click.option("--hash", "extra", multiple=True, type=click.Choice(["md5", "sha1"]),
              help="Also compute MD5/SHA-1.")
def chat_add(paths: tuple[Path, ...], case_ref: str, exporter: str | None, zone: str | None,
             extra: tuple[str, ...]) -> int:
    """Import chat exports into CASE: one conversation item per chat (its messages as rows), the media as
    hashed attachments, every file of the export kept as it is.

    Exit 1 when a file the export names is missing, or the export is cut off (each listed with its place).
    """
    from ..services.messages import import_chat

    with opened_vault() as vault, cancellable() as cancel, progress_bar("importing") as progress:
        result = import_chat(vault, case_ref, list(paths), exporter=exporter, timezone=zone,
                             extra_hashes=optional_algorithms(extra), progress=progress, cancel=cancel)
    if is_json():
        emit_json(result.to_json())
    else:
        for source in result.sources:
            out.print(f"{source['path']} ({source['format']}): {source['conversations']} conversation(s), "
                      f"{source['messages']} message(s)", highlight=False)
        out.print(f"{result.items} item(s) stored; {result.warnings} warning(s)", highlight=False)
        _problems(result.skipped, result.incomplete, [])
    return 1 if result.problems else 0


@chat_group.command("show")
@common_options
@click.argument("item_id", metavar="ID")
@click.option("--from", "start", type=int, default=1, show_default=True, help="First row (1 = the first message).")
@click.option("--count", type=int, default=100, show_default=True, help="How many rows.")
def chat_show(item_id: str, start: int, count: int) -> None:
    """A conversation's messages as a transcript (the viewing is logged)."""
    from ..services.messages import conversation_rows

    with opened_vault() as vault:
        item, rows = conversation_rows(vault, item_id, start=max(0, start - 1), limit=count)
    if is_json():
        emit_json({"item": item.to_json(), "rows": rows})
        return
    for row in rows:
        sender = row["sender"].get("name") or row["sender"].get("id") or "?"
        marks = [f"reply to {row['reply_to']}" if row.get("reply_to") else "",
                 f"edited {row['edited']}" if row.get("edited") else "",
                 " ".join(f"[{a['status']}: {a.get('path') or a.get('note')}]" for a in row.get("attachments") or [])]
        click.echo(f"{row['anchor']:>7}  {row.get('time') or row.get('time_text') or '?'}  {sender}: {row['text']}"
                   + ("  (" + "; ".join(m for m in marks if m) + ")" if any(marks) else ""))


@chat_group.command("excerpt")
@common_options
@click.argument("item_id", metavar="ID")
@click.option("--from", "first", type=int, required=True, help="First row (1 = the first message).")
@click.option("--to", "last", type=int, required=True, help="Last row.")
@click.option("--note", default="", help="Why this range (printed in the report).")
def chat_excerpt(item_id: str, first: int, last: int, note: str) -> None:
    """Keep rows FROM…TO of a conversation as an excerpt item: the range a court report prints as a transcript."""
    from ..services.messages import make_excerpt

    with opened_vault() as vault:
        item = make_excerpt(vault, item_id, first, last, note=note)
    if is_json():
        emit_json(item.to_json())
    else:
        out.print(f"excerpt {item.id}: {item.name} (SHA-256 {item.sha256})", highlight=False)
