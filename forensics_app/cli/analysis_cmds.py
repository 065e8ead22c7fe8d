"""``forensics search``, ``entities``, ``timeline`` and ``index``: asking the whole vault."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from evidence_store.errors import UsageError

from ..services import analysis, case_access, entities, search, timeline
from ..services.case_access import Hidden
from ..services.entity_rules import TYPES
from .common import cancellable, common_options, emit_json, err, is_json, opened_vault, out


def _index_bar(label: str):  # type: ignore[no-untyped-def]
    """Items-counting progress on stderr (hidden with --json or without a terminal)."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    @contextmanager
    def bar():  # type: ignore[no-untyped-def]
        if is_json() or not err.is_terminal:
            yield lambda done, total, name: None
            return
        progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), TextColumn("{task.fields[name]}"), console=err, transient=True)
        with progress:
            task = progress.add_task(label, total=None, name="")
            yield lambda done, total, name: progress.update(task, completed=done, total=total, name=name[-40:])

    return bar()


# -- search ----------------------------------------------------------------------------------------------------
@click.command("search")
@common_options
@click.argument("query")
@click.option("--case", "case_ref", help="Only this case (id or number).")
@click.option("--all-cases", is_flag=True, help="Every case of the vault (the default without --case).")
@click.option("--kind", "kinds", multiple=True, help="Only items of this kind (repeatable).")
@click.option("--limit", default=50, show_default=True, help="At most this many hits.")
def search_cmd(query: str, case_ref: str | None, all_cases: bool, kinds: tuple[str, ...], limit: int) -> None:
    """Full-text search: words (with or without Vietnamese marks), "phrases", prefix*, OR, -excluded.

    Across cases, hits in cases you are not assigned to are counted ("hidden"), never shown."""
    if case_ref and all_cases:
        raise UsageError("give --case or --all-cases, not both", message_vi="chỉ chọn một vụ việc hoặc mọi vụ việc")
    with opened_vault() as vault:
        hits = search.search(vault, query, case=case_ref, kinds=list(kinds) or None, limit=limit)
        cases, hidden = search.cross_case(vault, query) if not case_ref else ([], Hidden("hits"))
    if is_json():
        emit_json({"query": query, "hits": [h.to_json() for h in hits],
                   "cases": [{"case": c, "pieces": n} for c, n in cases], "hidden": hidden.to_json()})
        return
    table = Table("case", "item", "kind", "name", "place", "snippet", title=f"{len(hits)} hit(s) for {query}")
    for h in hits:
        table.add_row(h.case_number, str(h.hit.item_id), h.hit.kind, h.item_name, h.hit.place,
                      h.hit.snippet.replace("\u27e6", "[bold yellow]").replace("\u27e7", "[/]"))
    out.print(table)
    if cases:
        out.print("cases: " + ", ".join(f"{c} ({n})" for c, n in cases))
    if hidden:
        out.print(f"[yellow]{hidden.message()}[/]", highlight=False)


# -- entities ----------------------------------------------------------------------------------------------------
@click.group("entities")
def entities_group() -> None:
    """Phone numbers, accounts, bank accounts, wallets … found in evidence; watch lists."""


@entities_group.command("list")
@common_options
@click.option("--case", "case_ref", help="Only this case (id or number).")
@click.option("--type", "entity_type", type=click.Choice(TYPES), help="Only entities of this type.")
def entities_list(case_ref: str | None, entity_type: str | None) -> None:
    with opened_vault() as vault:
        rows = entities.list_entities(vault, case_ref, entity_type)
    if is_json():
        emit_json([r.to_json() for r in rows])
        return
    table = Table("type", "value", "occurrences", "items", "cases", title=f"{len(rows)} entit(ies)")
    for r in rows:
        table.add_row(r.type, r.display, str(r.occurrences), str(r.items), str(r.cases))
    out.print(table)


@entities_group.command("show")
@common_options
@click.argument("value")
@click.option("--type", "entity_type", type=click.Choice(TYPES), help="What the value is (guessed otherwise).")
def entities_show(value: str, entity_type: str | None) -> None:
    """Every occurrence of VALUE across cases, first/last seen and what it appears with."""
    with opened_vault() as vault:
        cards = entities.show(vault, value, entity_type)
    if is_json():
        emit_json([c.to_json() for c in cards])
        return
    for c in cards:
        out.print(f"[bold]{c.entity.type}[/] {c.entity.display}  ({c.entity.occurrences} occurrence(s) in "
                  f"{c.entity.cases} case(s); first seen {c.first_seen}, last seen {c.last_seen})"
                  + ("  [red]watched[/]" if c.watched else ""))
        table = Table("case", "item", "name", "place", "rule", "snippet")
        numbers = {x["case_id"]: x["number"] for x in c.cases}
        for o in c.occurrences:
            table.add_row(numbers.get(o.case_id, ""), str(o.item_id), o.item_name, o.place, o.rule, o.snippet)
        out.print(table)
        if c.linked:
            out.print("appears with: " + ", ".join(f"{e.display} ({n})" for e, n in c.linked[:20]))
        if c.hidden:
            out.print(f"[yellow]{c.hidden.message()}[/]", highlight=False)


@entities_group.group("watch")
def watch_group() -> None:
    """The watch list: a new occurrence of a watched entity, in any case, raises an alert."""


@watch_group.command("add")
@common_options
@click.argument("values", nargs=-1, required=True)
@click.option("--type", "entity_type", type=click.Choice(TYPES), help="What the values are (guessed otherwise).")
@click.option("--note", default="", help="Why it is watched.")
def watch_add(values: tuple[str, ...], entity_type: str | None, note: str) -> None:
    with opened_vault() as vault:
        added = entities.watch(vault, list(values), entity_type, note)
    if is_json():
        emit_json([{**w.to_json(), "existing_occurrences": n} for w, n in added])
        return
    for w, n in added:
        out.print(f"watching {w.type} {w.value}" + (f" ({n} occurrence(s) already stored, raised as alerts)" if n else ""))


@watch_group.command("list")
@common_options
def watch_list() -> None:
    from evidence_store import entity_store

    with opened_vault() as vault:
        rows = entity_store.watches(vault)
    if is_json():
        emit_json([w.to_json() for w in rows])
        return
    for w in rows:
        out.print(f"{w.type} {w.value}  {w.note}  (since {w.added_at})")


@watch_group.command("remove")
@common_options
@click.argument("value")
@click.option("--type", "entity_type", type=click.Choice(TYPES))
def watch_remove(value: str, entity_type: str | None) -> None:
    from evidence_store import entity_store

    with opened_vault() as vault:
        for kind, normal in entities.normalise_watched(vault, value, entity_type):
            entity_store.remove_watch(vault, kind, normal)
    if is_json():
        emit_json({"removed": value})


@entities_group.command("alerts")
@common_options
@click.option("--all", "show_all", is_flag=True, help="Acknowledged alerts too.")
def entities_alerts(show_all: bool) -> None:
    """New occurrences of watched entities (in cases you are not assigned to: counted, not shown)."""
    from evidence_store import entity_store

    from ..services import alerts

    with opened_vault() as vault:
        rows = entity_store.alerts(vault, open_only=not show_all, case_ids=case_access.visible(vault))
        hidden = alerts.hidden_entity_alerts(vault, unread_only=not show_all)
    if is_json():
        emit_json({"alerts": [a.to_json() for a in rows], "hidden": hidden.to_json()})
        return
    for a in rows:
        out.print(f"#{a.id} {a.created_at} {a.type} {a.value}: case {a.case_id} item {a.item_id} {a.place}: {a.snippet}")
    if hidden:
        out.print(f"[yellow]{hidden.message()}[/]", highlight=False)


# -- timeline ----------------------------------------------------------------------------------------------------
@click.group("timeline", invoke_without_command=True)
@common_options
@click.option("--case", "case_ref", help="Case id or number.")
@click.option("--from", "start", help="From this date (YYYY-MM-DD) or ISO time (UTC unless a zone is given).")
@click.option("--to", "end", help="Up to this date (inclusive) or ISO time (exclusive).")
@click.option("--source", "sources", multiple=True, help="Only these sources (web_capture, social_post, "
              "social_comment, file_system, browser_history, exif, message, chat, import, custody …).")
@click.option("--kind", "kinds", multiple=True, help="Only events of items of this kind.")
@click.option("--entity", help="Only events of items where this entity occurs.")
@click.option("--format", "fmt", type=click.Choice(timeline.FORMATS), default="jsonl", show_default=True,
              help="jsonl/csv: Timesketch; l2tcsv: plaso's CSV.")
@click.option("--out", "out_path", type=click.Path(path_type=Path), help="Write here.")
@click.pass_context
def timeline_group(ctx: click.Context, case_ref: str | None, start: str | None, end: str | None,
                   sources: tuple[str, ...], kinds: tuple[str, ...], entity: str | None, fmt: str,
                   out_path: Path | None) -> None:
    """One timeline of a case: export it (Timesketch JSONL/CSV, plaso CSV) or import an outside one."""
    if ctx.invoked_subcommand is not None:
        return
    if not case_ref or out_path is None:
        raise UsageError("give --case and --out (or `forensics timeline import FILE --case C`)")
    with opened_vault() as vault, cancellable() as cancel:
        query = timeline.TimelineQuery(vault.get_case(case_ref), timeline.parse_moment(start),
                                       timeline.parse_moment(end, end=True), sources or None, kinds or None, entity)
        count = timeline.export(vault, query, fmt, out_path, cancel=cancel)
    if is_json():
        emit_json({"events": count, "format": fmt, "out": str(out_path)})
    else:
        out.print(f"{count} event(s) written to {out_path} ({fmt})")


@timeline_group.command("import")
@common_options
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--case", "case_ref", required=True, help="Case id or number.")
def timeline_import(path: Path, case_ref: str) -> None:
    """Import a psort/Timesketch timeline (CSV or JSON lines) as an item of CASE."""
    with opened_vault() as vault, cancellable() as cancel:
        item = timeline.import_timeline(vault, case_ref, path, cancel=cancel)
    if is_json():
        emit_json(item.to_json())
    else:
        info = item.metadata.get("timeline", {})
        out.print(f"item {item.id}: {info.get('events')} event(s) ({info.get('format')}), "
                  f"{info.get('first')} – {info.get('last')}")


# -- index -------------------------------------------------------------------------------------------------------
@click.group("index")
def index_group() -> None:
    """The search index, entities and timeline events derived from the evidence."""


@index_group.command("rebuild")
@common_options
@click.option("--case", "case_ref", help="Only this case.")
def index_rebuild(case_ref: str | None) -> None:
    """Forget the index and analyse every item again."""
    with opened_vault() as vault, cancellable() as cancel, _index_bar("indexing") as progress:
        case = vault.get_case(case_ref) if case_ref else None
        report = analysis.rebuild(vault, case, progress=progress, cancel=cancel)
    _print_report(report)


@index_group.command("update")
@common_options
def index_update() -> None:
    """Analyse the items not analysed yet."""
    with opened_vault() as vault, cancellable() as cancel, _index_bar("indexing") as progress:
        report = analysis.index_pending(vault, progress=progress, cancel=cancel)
    _print_report(report)


@index_group.command("status")
@common_options
def index_status() -> None:
    with opened_vault() as vault:
        status = analysis.index_status(vault)
    if is_json():
        emit_json(status)
        return
    out.print(f"{status['counts']} ; {status['pending']} item(s) not analysed yet")
    for row in status["not_indexed"]:
        out.print(f"  item {row['item_id']}: not indexed: {row['reason']}")


def _print_report(report: analysis.IndexReport) -> None:
    if is_json():
        emit_json(report.to_json())
        return
    out.print(f"{report.items} item(s) analysed: {report.pieces} text piece(s), {report.occurrences} entity "
              f"occurrence(s), {report.events} timeline event(s)" + (" — cancelled" if report.cancelled else ""))
    for item_id, reason in report.not_indexed:
        err.print(f"[yellow]not indexed[/] item {item_id}: {reason}")
