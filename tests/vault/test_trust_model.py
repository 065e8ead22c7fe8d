"""Against an insider who can unlock the vault: identities that cannot be borrowed, rollback and truncation
caught by witnesses outside the vault, every recorded fact covered, revocation told truthfully, rekey."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from evidence_store import ItemWarning, UsageError, Vault, VaultDamagedError, verify_vault
from evidence_store.vault import WitnessMismatchError

from ..conftest import PASSPHRASE

B_PASSPHRASE = "passphrase of examiner B"


def codes(vault: Vault) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in verify_vault(vault, log=False).problems:
        found.setdefault(problem.code, []).append(problem.message)
    return found


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
            and p.name != "vault.lock"}


# -- identities -----------------------------------------------------------------------------------------------------
def test_no_private_key_is_readable_by_another_unlocker(vault: Vault, vault_dir: Path) -> None:
    vault.add_examiner("Trần Văn B", B_PASSPHRASE)
    columns = {r[1] for r in vault.conn.execute("PRAGMA table_info(examiners)")}
    assert not {c for c in columns if "private" in c or "secret" in c}
    a_secret = vault._unlocked.secrets.ed25519
    assert a_secret is not None
    vault.close()
    config = (vault_dir / "vault.json").read_bytes()
    import base64

    assert a_secret not in config and base64.b64encode(a_secret) not in config  # sealed under A's passphrase only
    with Vault.open(vault_dir, B_PASSPHRASE) as b:
        assert b._unlocked.secrets.ed25519 != a_secret  # B's passphrase opens B's key, never A's
        assert b.examiner.name == "Trần Văn B"


def test_an_examiner_cannot_sign_as_another_and_nothing_is_written(vault: Vault, vault_dir: Path) -> None:
    vault.add_examiner("Trần Văn B", B_PASSPHRASE)
    vault.close()
    before = snapshot(vault_dir)
    with pytest.raises(UsageError, match="passphrase is examiner Trần Văn B's, not Nguyễn Văn Kiểm's"):
        Vault.open(vault_dir, B_PASSPHRASE, examiner="Nguyễn Văn Kiểm")
    assert snapshot(vault_dir) == before
    with Vault.open(vault_dir, B_PASSPHRASE) as b:
        entry = b.log("note", details={"text": "B writes"}).record
        assert entry["examiner"]["name"] == "Trần Văn B"
        assert entry["key"]["fingerprint"] == b.get_examiner("Trần Văn B").fingerprint
    with Vault.open(vault_dir, PASSPHRASE) as a:
        assert verify_vault(a, log=False).ok


def test_an_edited_examiners_table_is_caught(vault: Vault) -> None:
    b = vault.add_examiner("Trần Văn B", B_PASSPHRASE)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged = Ed25519PrivateKey.generate().public_key().public_bytes_raw()  # an insider swaps B's key for theirs
    vault.conn.execute("UPDATE examiners SET public_key = ? WHERE id = ?", (forged, b.id))
    found = codes(vault)
    assert any("Trần Văn B: public_key differ" in m for m in found["examiner_altered"])
    vault.conn.execute("UPDATE examiners SET public_key = ? WHERE id = ?", (b.public_key, b.id))
    vault.conn.execute("UPDATE examiners SET role = 'admin' WHERE id = ?", (b.id,))
    assert any("role" in m for m in codes(vault)["examiner_altered"])
    vault.conn.execute("UPDATE examiners SET role = 'examiner' WHERE id = ?", (b.id,))


def test_only_an_administrator_removes_anothers_access(vault: Vault, vault_dir: Path) -> None:
    vault.add_examiner("Trần Văn B", B_PASSPHRASE)
    a_slot = vault.unlocked_slot
    vault.close()
    with Vault.open(vault_dir, B_PASSPHRASE) as b:
        with pytest.raises(UsageError, match="only an administrator may remove another examiner's key slot"):
            b.remove_key_slot(a_slot)
        with pytest.raises(UsageError, match="only an administrator may remove an examiner"):
            b.remove_examiner("Nguyễn Văn Kiểm")
    with Vault.open(vault_dir, PASSPHRASE) as a:
        notice = a.remove_examiner("Trần Văn B")
        assert "still opens" in notice["notice"] and "rekey" in notice["notice"] and notice["notice_vi"]
        assert [e["action"] for e in (x.record for x in a.custody.entries())][-1] == "examiner.remove"
        assert verify_vault(a, log=False).ok


# -- witnesses: rollback, truncation, rewriting ---------------------------------------------------------------------
def _add(vault: Vault, name: str) -> None:
    case = vault.list_cases()[0] if vault.list_cases() else vault.create_case("VV-W", "Witnessed")
    with vault.batch(case) as batch:
        batch.add_content(io.BytesIO(name.encode() * 100), kind="file", name=name, source=f"/src/{name}")


def test_a_restored_old_database_is_caught_at_open_and_by_verify(vault: Vault, vault_dir: Path,
                                                                 tmp_path: Path) -> None:
    _add(vault, "first")
    vault.close()  # witnessed
    saved = tmp_path / "old"
    saved.mkdir()
    for name in ("vault.db", "vault.db-wal", "vault.db-shm"):
        if (vault_dir / name).exists():
            shutil.copy2(vault_dir / name, saved / name)
    with Vault.open(vault_dir, PASSPHRASE) as again:
        _add(again, "second")
    for name in ("vault.db-wal", "vault.db-shm"):
        (vault_dir / name).unlink(missing_ok=True)
    for copy in saved.iterdir():
        shutil.copy2(copy, vault_dir / copy.name)
    with pytest.raises(WitnessMismatchError, match="rolled back"):
        Vault.open(vault_dir, PASSPHRASE)
    with Vault.open(vault_dir, PASSPHRASE, check_witnesses=False) as rolled:
        found = codes(rolled)
        assert "custody_rolled_back" in found
        rolled.accept_rollback("restored from backup tape 7 after a disk failure")
    with Vault.open(vault_dir, PASSPHRASE) as accepted:  # accepted, logged with what the witness held
        last = [e.record for e in accepted.custody.entries() if e.record["action"] == "vault.rollback_accepted"][-1]
        assert last["details"]["reason"].startswith("restored from backup") and last["details"]["witnessed"]
        assert set(codes(accepted)) == {"blob_orphan"}  # the later item's blob, which the old database never knew
        from evidence_store.repair import plan, repair

        todo = plan(accepted)
        assert len(todo.orphan_blobs) == 1 and not todo.temp_files
        repair(accepted, todo)
        assert verify_vault(accepted, log=False).ok


@pytest.mark.corrupts_vault
@pytest.mark.parametrize("what", ["last_entry", "newest_item"])
def test_removing_the_newest_entry_or_item_is_caught(vault: Vault, vault_dir: Path, what: str) -> None:
    _add(vault, "one")
    _add(vault, "two")
    vault.checkpoint()
    last = vault.custody.size() - 1
    if what == "last_entry":
        vault.conn.execute("DELETE FROM custody WHERE seq = ?", (last,))
    else:
        newest = max(i.id for i in vault.list_items())
        vault.conn.execute("DELETE FROM custody WHERE item_id = ?", (newest,))
        vault.conn.execute("DELETE FROM items WHERE id = ?", (newest,))
    found = codes(vault)
    assert "custody_rolled_back" in found or "custody_truncated" in found, found
    assert "custody_truncated" in found  # the checkpoint stored in the vault saw more entries too


@pytest.mark.corrupts_vault
def test_a_rewritten_history_is_caught_by_the_witness(vault: Vault) -> None:
    _add(vault, "one")
    vault.checkpoint()
    entry = vault.conn.execute("SELECT seq, entry FROM custody WHERE action = 'item.acquire'").fetchone()
    forged = entry[1].replace("/src/one", "/src/other")
    from evidence_store import merkle

    vault.conn.execute("UPDATE custody SET entry = ?, leaf_hash = ? WHERE seq = ?",
                       (forged, merkle.leaf_hash(forged.encode()).hex(), entry[0]))
    vault.conn.execute("DELETE FROM merkle_nodes")  # the insider recomputes the tree too
    vault.conn.execute("DELETE FROM checkpoints")
    rebuilt = merkle.Tree.from_leaves(vault.custody.leaf_hashes())
    for level in range(8):
        for idx in range(rebuilt.size >> level):
            vault.conn.execute("INSERT INTO merkle_nodes VALUES (?, ?, ?)", (level, idx, rebuilt._get(level, idx)))
    assert "custody_history_rewritten" in codes(vault)


# -- every recorded fact ---------------------------------------------------------------------------------------------
EDITS = {
    "media_type": ("UPDATE items SET media_type = 'video/mp4' WHERE id = ?", "media_type"),
    "acquired_at": ("UPDATE items SET acquired_at = '2020-01-01T00:00:00Z' WHERE id = ?", "acquired_at"),
    "warning_removed": ("UPDATE items SET warnings = '[]' WHERE id = ?", "warnings"),
    "recovery": ("UPDATE items SET metadata = json_set(metadata, '$.locator.recovery', 'exact') WHERE id = ?",
                 "metadata.locator"),
    "exif": ("UPDATE items SET metadata = json_set(metadata, '$.exif.camera', 'Other') WHERE id = ?", "metadata.exif"),
    "complete": ("UPDATE items SET metadata = json_set(metadata, '$.complete', json('true')) WHERE id = ?",
                 "metadata.complete"),
    "history": ("UPDATE items SET metadata = json_remove(metadata, '$.browser_history[0]') WHERE id = ?",
                "metadata.browser_history"),
}


@pytest.mark.corrupts_vault
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_editing_any_recorded_field_is_named(vault: Vault, case, edit: str) -> None:  # type: ignore[no-untyped-def]
    with vault.batch(case) as batch:
        pending = batch.add_content(
            io.BytesIO(b"\xff\xd8 recovered jpeg"), kind="extracted_file", name="IMG_0001.JPG", source="image.E01",
            media_type="image/jpeg",
            metadata={"locator": {"inode": 42, "recovery": "possibly incomplete"}, "exif": {"camera": "Canon"},
                      "complete": False, "browser_history": [{"url": "https://a.example", "title": "A"}]},
            warnings=[ItemWarning("stored_hash_mismatch", "the stored hash differs", "băm lưu khác")])
    item = pending.item
    assert item is not None and verify_vault(vault, log=False).ok
    sql, field = EDITS[edit]
    vault.conn.execute(sql, (item.id,))
    messages = codes(vault)["record_altered"]
    assert any(f"item {item.id}:" in m and field in m for m in messages), messages


def test_an_amendment_is_logged_and_then_holds(vault: Vault, case) -> None:  # type: ignore[no-untyped-def]
    with vault.batch(case) as batch:
        pending = batch.add_content(io.BytesIO(b"x"), kind="file", name="x", source="/x")
    assert pending.item is not None
    amended = vault.amend_item(pending.item.id, reason="reader update", add_warnings=[
        ItemWarning("note", "examiner note", "ghi chú")], metadata={"reviewed": True})
    assert amended.metadata["reviewed"] is True and [w.code for w in amended.warnings] == ["note"]
    assert vault.custody.entries(item_id=amended.id)[-1].record["action"] == "item.amend"
    assert verify_vault(vault, log=False).ok


# -- revocation and rekey ----------------------------------------------------------------------------------------------
def test_removed_slot_plus_old_header_opens_until_rekey(vault: Vault, vault_dir: Path, case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault.add_examiner("Trần Văn B", B_PASSPHRASE)
    old_header = tmp_path / "vault.json.copy"
    shutil.copy2(vault_dir / "vault.json", old_header)
    vault.remove_examiner("Trần Văn B")
    _add(vault, "after-removal")
    vault.close()
    current = (vault_dir / "vault.json").read_bytes()
    # B kept the old header: the tool refuses a removed examiner, but the keys in it still open the data, as LUKS
    # documents for a removed key slot (what matters is what the cryptography allows, not what this tool allows)
    shutil.copy2(old_header, vault_dir / "vault.json")
    with pytest.raises(UsageError, match="was removed"):
        Vault.open(vault_dir, B_PASSPHRASE, check_witnesses=False)
    assert "after-removal" in _names_readable_with(vault_dir, B_PASSPHRASE)
    (vault_dir / "vault.json").write_bytes(current)
    with Vault.open(vault_dir, PASSPHRASE) as a:
        from evidence_store.rekey import rekey

        result = rekey(a)
        assert result.blobs >= 1 and result.to_epoch == 2
        assert verify_vault(a, log=False).ok
        assert [i.name for i in a.list_items()] == ["after-removal"]
        assert b"".join(a.read_item(a.list_items()[0])) == b"after-removal" * 100
    rekeyed = (vault_dir / "vault.json").read_bytes()
    shutil.copy2(old_header, vault_dir / "vault.json")
    with pytest.raises(VaultDamagedError, match="cannot be decrypted"):
        _names_readable_with(vault_dir, B_PASSPHRASE)  # after the rekey the old header opens nothing current
    (vault_dir / "vault.json").write_bytes(rekeyed)


def _names_readable_with(vault_dir: Path, passphrase: str) -> set[str]:
    """What the keys a header's slot holds can read from vault.db, whatever this tool's own rules say."""
    from evidence_store import crypto
    from evidence_store.db import connect
    from evidence_store.keyslots import VaultConfig

    config = VaultConfig.load(vault_dir)
    key = config.unlock(passphrase).vault_key
    conn = connect(vault_dir / "vault.db", crypto.subkey(key, "sqlcipher"), page_size=config.db_page_size)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM items")}
    finally:
        conn.close()


def test_vault_json_damage_is_told_apart_from_a_wrong_passphrase(vault: Vault, vault_dir: Path) -> None:
    vault.close()
    path = vault_dir / "vault.json"
    original = json.loads(path.read_text())
    cases = {
        "vault id changed": lambda d: d.update(vault_id="00000000-0000-0000-0000-000000000000"),
        "slot secrets changed": lambda d: d["key_slots"][0]["secrets"].update(
            sealed=d["key_slots"][0]["secrets"]["sealed"][:-4] + "AAA="),
        "no slots": lambda d: d.update(key_slots=[]),
        "absurd KDF": lambda d: d["key_slots"][0]["kdf"].update(time_cost=2 ** 31),
    }
    expected = {"vault id changed": "was altered", "slot secrets changed": "was altered", "no slots": "no key slots",
                "absurd KDF": "impossible Argon2id parameters"}
    for name, change in cases.items():
        data = json.loads(json.dumps(original))
        change(data)
        path.write_text(json.dumps(data))
        with pytest.raises(VaultDamagedError, match=expected[name]):
            Vault.open(vault_dir, PASSPHRASE)
    path.write_text(json.dumps(original))
    Vault.open(vault_dir, PASSPHRASE).close()


def test_vault_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        with Vault.create(tmp_path / "v", PASSPHRASE, "A") as v:
            _add(v, "file")
        with Vault.create(tmp_path / "g", PASSPHRASE, "A", permissions="group") as g:
            _add(g, "file")
    finally:
        os.umask(old)
    for root, folder_mode, file_mode in ((tmp_path / "v", 0o700, 0o600), (tmp_path / "g", 0o750, 0o640)):
        modes = {p.relative_to(root).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")]}
        for rel, mode in modes.items():
            if (root / rel).is_dir():
                assert mode == folder_mode, (rel, oct(mode))
            elif rel.startswith("blobs/") or rel.startswith("vault."):
                assert mode & ~file_mode == 0, (rel, oct(mode))


REKEY_CHILD = """
import sys
from pathlib import Path
from evidence_store import Vault
from evidence_store.rekey import rekey

with Vault.open(Path(sys.argv[1]), sys.argv[2]) as vault:
    def progress(done, total, name):
        print(done, flush=True)
    rekey(vault, progress=progress)
print("finished", flush=True)
"""


@pytest.mark.slow
def test_kill_9_during_rekey_loses_nothing_and_a_second_run_finishes(vault: Vault, vault_dir: Path,
                                                                       case) -> None:  # type: ignore[no-untyped-def]
    import hashlib
    import os
    import signal
    import subprocess
    import sys

    contents = {f"f{n:03}": os.urandom(2000 + n * 37) for n in range(240)}
    with vault.batch(case, sync_each=False) as batch:
        for name, data in contents.items():
            batch.add_content(io.BytesIO(data), kind="file", name=name, source=f"/src/{name}")
    vault.close()
    child = subprocess.Popen([sys.executable, "-c", REKEY_CHILD, str(vault_dir), PASSPHRASE],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip().isdigit() and int(line) >= 60:  # a quarter of the blobs moved: kill it mid-way
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    with Vault.open(vault_dir, PASSPHRASE) as resumed:
        assert resumed.config.rekey_pending
        from evidence_store.rekey import rekey
        from evidence_store.repair import plan, repair

        result = rekey(resumed)
        assert result.resumed and result.blobs <= 240 - 60 and not resumed.config.rekey_pending
        repair(resumed, plan(resumed))  # at most the one blob file the kill left half-moved
        assert verify_vault(resumed, log=False).ok
        for item in resumed.list_items():
            data = b"".join(resumed.read_item(item))
            assert data == contents[item.name] and hashlib.sha256(data).hexdigest() == item.sha256
    vault.conn = None  # closed above; the fixture must not verify a closed handle
