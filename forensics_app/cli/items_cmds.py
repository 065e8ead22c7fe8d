"""``forensics files add`` and ``forensics items …``."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from evidence_store import Item
from evidence_store.hashing import optional_algorithms
from evidence_store.sizes import human_size

from ..services.files import add_files
from ..services.items import export_item, list_items, show_item
from .common import cancellable, common_options, emit_json, err, is_json, opened_vault, out, progress_bar


def items_table(items: list[Item], title: str = "") -> Table:
    table = Table("id", "parent", "kind", "name", "size", "SHA-256", "acquired (UTC)", "warn", title=title)
    for i in items:
        table.add_row(str(i.id), str(i.parent_id or ""), i.kind, i.name, human_size(i.size, "en"),
                      (i.sha256 or "")[:16], i.acquired_at[:19] + "Z", str(len(i.warnings) or ""))
    return table


@click.group("files")
def files_group() -> None:
    """Logical acquisition of local files and folders."""


@files_group.command("add")
@common_options
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@click.option("--case", "case_ref", required=True, help="Case id or number.")
@click.option("--hash", "extra", multiple=True, type=click.Choice(["md5", "sha1"]),
              help="Also compute MD5/SHA-1 (for comparison with other tools' logs).")
def files_add(paths: tuple[Path, ...], case_ref: str, extra: tuple[str, ...]) -> int:
    """Acquire files and folders into CASE (folders keep their structure)."""
    with opened_vault() as vault, cancellable() as cancel, progress_bar("acquiring") as progress:
        result = add_files(vault, case_ref, list(paths), extra_hashes=optional_algorithms(extra),
                           progress=progress, cancel=cancel)
    if is_json():
        emit_json({"items": [i.to_json() for i in result.items],
                   "skipped": [{"source": s, "reason": r} for s, r in result.skipped]})
    else:
        out.print(items_table(result.items, f"{len(result.items)} item(s) acquired"))
        for source, reason in result.skipped:
            err.print(f"[yellow]skipped[/] {source}: {reason}")
    return 0


@click.group("items")
def items_group() -> None:
    """Evidence items: list, show, export."""


@items_group.command("list")
@common_options
@click.option("--case", "case_ref", help="Only this case (id or number).")
@click.option("--kind", help="Only items of this kind.")
def items_list(case_ref: str | None, kind: str | None) -> None:
    with opened_vault() as vault:
        items, hidden = list_items(vault, case_ref, kind=kind)
    if is_json():
        emit_json([i.to_json() for i in items])
    else:
        out.print(items_table(items))
    if hidden:
        err.print(f"[yellow]{hidden.message()}[/]", highlight=False)


@items_group.command("show")
@common_options
@click.argument("item_id", metavar="ID")
def items_show(item_id: str) -> None:
    """Everything recorded about an item (the viewing is logged)."""
    with opened_vault() as vault:
        data = show_item(vault, item_id)
    if is_json():
        emit_json(data)
        return
    for key, value in data.items():
        if key in ("metadata", "warnings") and value:
            out.print(f"[bold]{key}[/]:")
            out.print_json(data=value)
        else:
            out.print(f"[bold]{key}[/]: {value}")


@items_group.command("export")
@common_options
@click.argument("item_id", metavar="ID")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False))
def items_export(item_id: str, out_dir: Path) -> None:
    """Write an item's content (a folder: its tree) to DIR; hashes checked, export logged."""
    with opened_vault() as vault:
        item, written = export_item(vault, item_id, out_dir)
    if is_json():
        emit_json({"item": item.id, "written": [str(p) for p in written]})
    else:
        for path in written:
            out.print(f"wrote {path}")


COMMANDS = [files_group, items_group]
