"""Looking at and exporting items; both are logged in the custody log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evidence_store import Item, Vault

from . import case_access
from .case_access import Hidden


def list_items(vault: Vault, case_ref: int | str | None = None, *, kind: str | None = None) -> tuple[list[Item], Hidden]:
    """The items of one case, or of every case this examiner may open, and a count of those left out."""
    if case_ref is not None:
        return vault.list_items(case_access.reach_case(vault, case_ref, "items list").id, kind=kind), Hidden("items")
    items = vault.list_items(None, kind=kind)
    seen = case_access.reachable(vault)
    if seen is None:
        return items, Hidden("items")
    return [i for i in items if i.case_id in seen], case_access.hidden_cases(vault, (i.case_id for i in items), "items")


def show_item(vault: Vault, item_id: int | str, *, purpose: str = "display") -> dict[str, Any]:
    """Item details with its children; records the viewing in the custody log."""
    item = case_access.reach_item(vault, item_id, "items show")
    vault.record_view(item, purpose)
    data = item.to_json()
    data["children"] = [child.id for child in vault.list_items(parent_id=item.id)]
    return data


def export_item(vault: Vault, item_id: int | str, out_dir: Path) -> tuple[Item, list[Path]]:
    """Write an item's plaintext (or a folder's tree) under ``out_dir``, hashes checked."""
    item = case_access.reach_item(vault, item_id, "items export")
    written: list[Path] = []
    _export_tree(vault, item, out_dir, written)
    return item, written


def _export_tree(vault: Vault, item: Item, out_dir: Path, written: list[Path]) -> None:
    if item.has_content:
        written.append(vault.export_item(item, out_dir))
        return
    children = vault.list_items(parent_id=item.id)
    if not children:
        vault.log("item.export", item=item, details={"destination": str(out_dir.resolve()), "content": False})
        return
    from evidence_store import safe_filename

    folder = out_dir / safe_filename(item.name, fallback=f"item-{item.id}") if item.kind == "folder" else out_dir
    folder.mkdir(parents=True, exist_ok=True)
    for child in children:
        _export_tree(vault, child, folder, written)
