"""``forensics tip …``: the community-report (tin báo) register."""

from __future__ import annotations

from pathlib import Path

import click

from evidence_store import tip_store

from .common import common_options, emit_json, is_json, opened_vault, out


@click.group("tip")
def tip_group() -> None:
    """Community reports (tin báo): register, assess, link to a case, capture or watch what they name."""


def _show(tip: tip_store.TipRow) -> None:
    reporter = tip.reporter
    who = ("anonymous" if not reporter else "(protected)" if reporter.get("protected")
           else ", ".join(f"{k}: {v}" for k, v in reporter.items()))
    out.print(f"report {tip.id}  received {tip.received_at}  via {tip.channel}  status {tip.status}"
              + (f" ({tip.outcome})" if tip.outcome else ""))
    out.print(f"reporter: {who}")
    out.print(f"case: {tip.case_id or '-'}  assessor: {tip.assessor or '-'}  note: {tip.note or '-'}")
    for url in tip.urls:
        out.print(f"  url: {url}")
    if tip.text:
        out.print(f"  text: {tip.text}")
    if tip.attachments:
        out.print(f"  attachments (items): {', '.join(map(str, tip.attachments))}")


@tip_group.command("add")
@common_options
@click.option("--channel", required=True, type=click.Choice(tip_store.CHANNELS))
@click.option("--received-at", help="When it was received, ISO 8601 with a zone (default: now).")
@click.option("--url", "urls", multiple=True, help="A reported address (repeatable).")
@click.option("--text", default="", help="What the reporter said or wrote.")
@click.option("--attach", "files", multiple=True, type=click.Path(path_type=Path), help="A file sent with it.")
@click.option("--reporter-name", default="", help="Protected: seen only by you, the assessor and administrators.")
@click.option("--reporter-contact", default="", help="Protected, like the name.")
def tip_add(channel: str, received_at: str | None, urls: tuple[str, ...], text: str, files: tuple[Path, ...],
            reporter_name: str, reporter_contact: str) -> None:
    """Register a report; prints its id."""
    from ..services import tips

    with opened_vault() as vault:
        tip = tips.register(vault, channel=channel, received_at=received_at, urls=urls, text=text, files=files,
                            reporter={"name": reporter_name, "contact": reporter_contact})
    if is_json():
        emit_json(tip.to_json())
    else:
        click.echo(tip.id)


@tip_group.command("list")
@common_options
@click.option("--status", type=click.Choice(tip_store.STATUSES))
def tip_list(status: str | None) -> None:
    with opened_vault() as vault:
        rows = tip_store.list_tips(vault, status=status)
    if is_json():
        emit_json([t.to_json() for t in rows])
        return
    for t in rows:
        out.print(f"{t.id}  {t.received_at}  {t.channel:10} {t.status:12} case {t.case_id or '-'}  "
                  f"{', '.join(t.urls)[:80]}")


@tip_group.command("show")
@common_options
@click.argument("ref")
@click.option("--reveal-reporter", is_flag=True, help="Show the reporter (registrar, assessor, admins; logged).")
def tip_show(ref: str, reveal_reporter: bool) -> None:
    with opened_vault() as vault:
        tip = tip_store.get_tip(vault, ref, reveal=reveal_reporter)
    if is_json():
        emit_json(tip.to_json())
    else:
        _show(tip)


@tip_group.command("assess")
@common_options
@click.argument("ref")
@click.option("--status", required=True, type=click.Choice(tip_store.STATUSES))
@click.option("--note", default="", help="The assessment note.")
def tip_assess(ref: str, status: str, note: str) -> None:
    """received → assessing → violation | no_violation → handled; you are recorded as the assessor."""
    with opened_vault() as vault:
        tip = tip_store.assess(vault, ref, status, note)
    if is_json():
        emit_json(tip.to_json())
    else:
        out.print(f"report {tip.id}: {tip.status}")


@tip_group.command("link")
@common_options
@click.argument("ref")
@click.option("--case", "case_ref", required=True)
def tip_link(ref: str, case_ref: str) -> None:
    from ..services import tips

    with opened_vault() as vault:
        tip = tips.link(vault, ref, case_ref)
    if is_json():
        emit_json(tip.to_json())
    else:
        out.print(f"report {tip.id}: linked to case {tip.case_id}")


@tip_group.command("capture")
@common_options
@click.argument("ref")
@click.option("--case", "case_ref", help="Link the report to this case first.")
@click.option("--watch", is_flag=True, help="Also watch the addresses.")
@click.option("--no-capture", is_flag=True, help="Only watch, do not capture now.")
@click.option("--every", help="Watch interval (default 6h).")
@click.option("--social", is_flag=True, help="The addresses are social-media posts.")
@click.option("--allow-private-addresses", is_flag=True)
def tip_capture(ref: str, case_ref: str | None, watch: bool, no_capture: bool, every: str | None, social: bool,
                allow_private_addresses: bool) -> None:
    """Turn the report's addresses into captures and/or watches of its case."""
    from ..services import tips

    with opened_vault() as vault:
        done = tips.act(vault, ref, capture=not no_capture, watch=watch or no_capture, case_ref=case_ref,
                        every=every, social=social, allow_private_addresses=allow_private_addresses)
    if is_json():
        emit_json(done)
        return
    for c in done["captures"]:
        out.print(f"captured {c['url']}: {c['status']} item {c['item_id']}")
    for w in done["watches"]:
        out.print(f"watch {w}")
