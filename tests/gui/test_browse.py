"""services.browse: the paged, sorted, filtered queries the evidence table runs."""

from __future__ import annotations

from pathlib import Path

from evidence_store import Case, ItemWarning, Vault
from forensics_app.services import browse


def _records(vault: Vault, case: Case, count: int) -> None:
    with vault.batch(case) as batch:
        parent = batch.add_record(kind="folder", name="root", source="/seized")
        for n in range(count):
            warnings = (ItemWarning("partial", "partly read", "đọc được một phần"),) if n % 10 == 0 else ()
            batch.add_record(kind="file" if n % 2 else "symlink", name=f"file_{n:04d}.txt",
                             source=f"/seized/file_{n:04d}.txt", parent=parent, warnings=warnings)


def test_pages_cover_every_item_once_in_order(vault: Vault, case: Case) -> None:
    _records(vault, case, 450)
    query = browse.ItemQuery(case_id=case.id)
    assert browse.count_items(vault, query) == 451
    seen = []
    for offset in range(0, 451, 200):
        seen += [row.id for row in browse.item_rows(vault, query, offset, 200)]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 451


def test_sort_filter_and_search_happen_in_the_query(vault: Vault, case: Case) -> None:
    _records(vault, case, 100)
    by_name_desc = browse.item_rows(vault, browse.ItemQuery(case_id=case.id, sort="name", descending=True), 0, 3)
    assert [r.name for r in by_name_desc] == ["root", "file_0099.txt", "file_0098.txt"]
    links = browse.ItemQuery(case_id=case.id, kinds=("symlink",))
    assert browse.count_items(vault, links) == 50
    assert browse.count_items(vault, browse.ItemQuery(case_id=case.id, roots_only=True)) == 1
    warned = browse.ItemQuery(case_id=case.id, with_warnings=True, sort="warnings")
    assert browse.count_items(vault, warned) == 10
    assert all(r.warnings == 1 for r in browse.item_rows(vault, warned, 0, 50))
    assert browse.count_items(vault, browse.ItemQuery(case_id=case.id, text="file_004")) == 10
    # LIKE wildcards typed by a user are literal
    assert browse.count_items(vault, browse.ItemQuery(case_id=case.id, text="%")) == 0
    assert browse.count_items(vault, browse.ItemQuery(case_id=case.id, text="file_00_")) == 0
    position = browse.item_position(vault, browse.ItemQuery(case_id=case.id, sort="name", descending=True),
                                    by_name_desc[2].id)
    assert position == 2


def test_kinds_cases_and_custody_pages(vault: Vault, case: Case) -> None:
    _records(vault, case, 6)
    other = vault.create_case("VV-2", "other")
    assert browse.kinds_in_case(vault, case.id) == [("file", 3), ("folder", 1), ("symlink", 3)]
    summaries = {s.number: s for s in browse.case_summaries(vault)}
    assert summaries[case.number].items == 7 and summaries["VV-2"].items == 0
    entries = browse.custody_rows(vault, case.id, 0, 100)
    assert browse.count_custody(vault, case.id) == len(entries) == 8  # case.create + 7 acquisitions
    assert entries[0].action == "case.create" and entries[1].action == "item.acquire"
    assert all(e.case_id == case.id for e in entries)
    assert browse.count_custody(vault, other.id) == 1


def test_item_detail_and_capped_content(vault: Vault, case: Case, tmp_path: Path) -> None:
    from forensics_app.services.files import add_files

    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "big.txt").write_bytes(b"x" * 3_000_000)
    result = add_files(vault, case.id, [folder])
    parent = next(i for i in result.items if i.kind == "folder")
    child = next(i for i in result.items if i.kind == "file")
    detail = browse.item_detail(vault, parent.id)
    assert detail.children_total == 1 and detail.children[0].id == child.id and detail.parent is None
    assert browse.item_detail(vault, child.id).parent.id == parent.id  # type: ignore[union-attr]
    head, truncated = browse.read_content(vault, child, 1000)
    assert head == b"x" * 1000 and truncated
    whole, truncated = browse.read_content(vault, child, 10_000_000)
    assert len(whole) == 3_000_000 and not truncated
