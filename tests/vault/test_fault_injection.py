"""Deliberately damaged vaults, in the manner of restic's checker tests.

Each fault must be found and reported against the item it concerns, and a vault
with several faults must report all of them, not only the first.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

from evidence_store import Item, Vault, verify_vault

from ..conftest import PASSPHRASE

pytestmark = pytest.mark.corrupts_vault


@pytest.fixture
def items(vault: Vault, case) -> dict[str, Item]:
    contents = {"a": os.urandom(300_000), "b": os.urandom(2 * (1 << 20) + 77), "c": b"small text file\n"}
    with vault.batch(case) as batch:
        pending = {name: batch.add_content(io.BytesIO(data), kind="file", name=f"{name}.bin", source=f"/src/{name}")
                   for name, data in contents.items()}
    assert verify_vault(vault, log=False).ok
    return {name: p.item for name, p in pending.items()}  # type: ignore[misc]


def problems(vault: Vault, quick: bool = False) -> set[tuple[str, int | None]]:
    report = verify_vault(vault, quick=quick, log=False)
    return {(p.code, p.item_id) for p in report.problems}


def blob(vault: Vault, item: Item) -> Path:
    assert item.blob
    return vault.blobs.path_for(item.blob)


def test_flipped_bit_in_a_blob(vault: Vault, items: dict[str, Item]) -> None:
    path = blob(vault, items["b"])
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x04
    path.write_bytes(bytes(data))
    assert problems(vault) == {("blob_corrupt", items["b"].id)}
    assert problems(vault, quick=True) == set(), "quick mode does not re-read contents"


def test_truncated_blob(vault: Vault, items: dict[str, Item]) -> None:
    path = blob(vault, items["b"])
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size - (1 << 20) - 16)
    assert problems(vault) == {("blob_truncated", items["b"].id)}
    assert problems(vault, quick=True) == {("blob_truncated", items["b"].id)}


def test_deleted_blob(vault: Vault, items: dict[str, Item]) -> None:
    blob(vault, items["a"]).unlink()
    assert problems(vault) == {("blob_missing", items["a"].id)}
    assert problems(vault, quick=True) == {("blob_missing", items["a"].id)}


def test_adding_content_whose_stored_copy_is_missing_is_refused_clearly(vault: Vault, items: dict[str, Item],
                                                                         case) -> None:
    """The vault holds the content already, as a blob whose file is gone: the new item cannot share it, and the
    row naming it must not be replaced (items refer to it), so the batch is refused in words, and nothing is added."""
    from evidence_store.errors import VaultDamagedError

    blob(vault, items["c"]).unlink()
    before = vault.conn.execute("SELECT count(*) FROM items").fetchone()[0]
    temp_before = set(vault.blobs.tmp_dir.iterdir())
    with pytest.raises(VaultDamagedError) as raised, vault.batch(case) as batch:
        batch.add_content(io.BytesIO(b"another file\n"), kind="file", name="new.txt", source="/src/new")
        batch.add_content(io.BytesIO(b"small text file\n"), kind="file", name="again.txt", source="/src/again")
    assert items["c"].blob in str(raised.value) and "missing" in str(raised.value)
    assert "bị mất" in raised.value.text("vi") and "vault verify" in str(raised.value)
    assert vault.conn.execute("SELECT count(*) FROM items").fetchone()[0] == before
    assert set(vault.blobs.tmp_dir.iterdir()) == temp_before, "the batch's temp blobs are removed"
    assert problems(vault) == {("blob_missing", items["c"].id)}, "and no blob was placed"


def test_swapped_blobs(vault: Vault, items: dict[str, Item]) -> None:
    a, c = blob(vault, items["a"]), blob(vault, items["c"])
    temp = a.with_name("swap")
    os.replace(a, temp)
    os.replace(c, a)
    os.replace(temp, c)
    assert problems(vault) == {("blob_swapped", items["a"].id), ("blob_swapped", items["c"].id)}


def test_orphan_blob_and_leftover_temp_file(vault: Vault, items: dict[str, Item]) -> None:
    stray = vault.blobs.blobs_dir / "ab" / ("ab" + "0" * 62)
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(os.urandom(100))
    (vault.blobs.tmp_dir / "ingest-x.part").write_bytes(b"partial")
    report = verify_vault(vault, log=False)
    codes = sorted(p.code for p in report.problems)
    assert codes == ["blob_orphan", "temp_orphan"]
    assert all(p.item_id is None for p in report.problems)


def test_copied_blob_from_another_item(vault: Vault, items: dict[str, Item]) -> None:
    shutil.copyfile(blob(vault, items["c"]), blob(vault, items["a"]))
    assert problems(vault) == {("blob_swapped", items["a"].id)}


def test_altered_item_row(vault: Vault, items: dict[str, Item]) -> None:
    vault.conn.execute("UPDATE items SET sha256 = ?, name = 'renamed.bin' WHERE id = ?", ("0" * 64, items["c"].id))
    found = problems(vault)
    assert ("hash_mismatch", items["c"].id) in found and ("record_altered", items["c"].id) in found
    assert {item for _, item in found} == {items["c"].id}


def test_altered_blob_hashes_in_the_database(vault: Vault, items: dict[str, Item]) -> None:
    vault.conn.execute("UPDATE blobs SET sha256 = ? WHERE name = ?", ("1" * 64, items["a"].blob))
    vault.conn.execute("UPDATE items SET sha256 = ? WHERE id = ?", ("1" * 64, items["a"].id))
    found = problems(vault)
    assert ("hash_mismatch", items["a"].id) in found and ("record_altered", items["a"].id) in found
    assert {item for _, item in found} == {items["a"].id}


def test_dangling_references(vault: Vault, items: dict[str, Item]) -> None:
    vault.conn.execute("PRAGMA foreign_keys = OFF")
    vault.conn.execute("UPDATE items SET parent_id = 999 WHERE id = ?", (items["a"].id,))
    vault.conn.execute("UPDATE items SET blob_name = 'f00d' WHERE id = ?", (items["b"].id,))
    found = problems(vault)
    assert ("dangling_reference", items["a"].id) in found
    assert ("dangling_reference", items["b"].id) in found


def _acquire_seq(vault: Vault, item: Item) -> int:
    return next(e.seq for e in vault.custody.entries(item_id=item.id) if e.record["action"] == "item.acquire")


def test_altered_custody_entry(vault: Vault, items: dict[str, Item]) -> None:
    seq = _acquire_seq(vault, items["b"])
    entry = vault.conn.execute("SELECT entry FROM custody WHERE seq = ?", (seq,)).fetchone()[0]
    vault.conn.execute("UPDATE custody SET entry = ? WHERE seq = ?", (entry.replace("/src/b", "/src/B"), seq))
    found = problems(vault)
    assert ("custody_altered", items["b"].id) in found
    # b's signature is the one its batch's last entry (c) carries over the group: c no longer covers b
    assert ("custody_bad_cover", items["c"].id) in found and ("custody_chain_broken", items["c"].id) in found


def test_deleted_custody_entry(vault: Vault, items: dict[str, Item]) -> None:
    seq = _acquire_seq(vault, items["b"])
    vault.conn.execute("DELETE FROM custody WHERE seq = ?", (seq,))
    found = problems(vault)
    assert ("custody_missing", items["b"].id) in found, "the item lost its acquisition record"
    codes = {code for code, _ in found}
    assert {"custody_gap", "custody_chain_broken"} <= codes


def test_reordered_custody_entries(vault: Vault, items: dict[str, Item]) -> None:
    first, second = _acquire_seq(vault, items["a"]), _acquire_seq(vault, items["c"])
    rows = {r[0]: tuple(r[1:]) for r in vault.conn.execute(
        "SELECT seq, entry, leaf_hash, signature, time, action, examiner_id, case_id, item_id FROM custody "
        "WHERE seq IN (?, ?)", (first, second))}
    for target, source in ((first, second), (second, first)):
        vault.conn.execute("UPDATE custody SET entry=?, leaf_hash=?, signature=?, time=?, action=?, examiner_id=?,"
                           " case_id=?, item_id=? WHERE seq = ?", (*rows[source], target))
    found = problems(vault)
    assert ("custody_reordered", items["a"].id) in found and ("custody_reordered", items["c"].id) in found


def test_truncated_custody_log_is_caught_by_a_stored_checkpoint(vault: Vault, items: dict[str, Item]) -> None:
    with vault._write():
        vault.custody.checkpoint(vault.signer)
    last = vault.custody.size() - 1
    vault.conn.execute("DELETE FROM custody WHERE seq = ?", (last,))
    assert "custody_truncated" in {code for code, _ in problems(vault)}


def test_corrupted_database_page(vault: Vault, vault_dir: Path, case) -> None:
    with vault.batch(case) as batch:
        for number in range(1200):
            batch.add_record(kind="folder", name=f"folder {number} " + "x" * 200, source=f"/f/{number}")
    page = vault.config.db_page_size
    vault.close()
    db = vault_dir / "vault.db"
    data = bytearray(db.read_bytes())
    assert len(data) > 20 * page
    data[10 * page + 100] ^= 0xFF
    db.write_bytes(bytes(data))
    damaged = Vault.open(vault_dir, PASSPHRASE)
    try:
        report = verify_vault(damaged, log=False)
        assert not report.ok
        assert {p.code for p in report.problems} & {"database_corrupt", "database_unreadable"}
        assert any("page" in p.message or "malformed" in p.message for p in report.problems)
    finally:
        damaged.close()


def test_several_faults_are_all_reported(vault: Vault, items: dict[str, Item]) -> None:
    blob(vault, items["a"]).unlink()
    path = blob(vault, items["b"])
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    vault.conn.execute("UPDATE items SET source = '/forged' WHERE id = ?", (items["c"].id,))
    found = problems(vault)
    assert found == {("blob_missing", items["a"].id), ("blob_corrupt", items["b"].id),
                     ("record_altered", items["c"].id)}
