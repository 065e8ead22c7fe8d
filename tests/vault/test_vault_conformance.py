"""The vault's contract: open/create, key slots, records, ingest, export, custody entries.

Every test that changes a vault leaves it verifying clean (the `vault` fixture checks).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import blake3
import pytest

from evidence_store import (
    NotAVaultError,
    NotFoundError,
    UsageError,
    Vault,
    VaultDamagedError,
    VaultExistsError,
    VaultVersionError,
    WrongPassphraseError,
)
from evidence_store.crypto import BLOB_HEADER_SIZE

from ..conftest import PASSPHRASE


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def actions(vault: Vault) -> list[str]:
    return [e.record["action"] for e in vault.custody.entries()]


def test_create_then_open_with_the_same_passphrase(vault: Vault, vault_dir: Path) -> None:
    assert (vault_dir / "vault.json").is_file() and (vault_dir / "vault.db").is_file()
    config = json.loads((vault_dir / "vault.json").read_text())
    assert config["format"] == "forensics-evidence-vault" and config["version"] == 3
    slot = config["key_slots"][0]
    assert len(config["key_slots"]) == 1 and {"secrets", "envelope", "recipient", "examiner"} <= set(slot)
    vault.close()
    again = Vault.open(vault_dir, PASSPHRASE)
    assert again.examiner.name == "Nguyễn Văn Kiểm"
    assert again.info()["sqlcipher_version"].startswith("4.")
    again.close()
    assert actions(Vault.open(vault_dir, PASSPHRASE))[:2] == ["vault.create", "examiner.add"]


def test_wrong_passphrase_is_refused_and_nothing_is_written(vault: Vault, vault_dir: Path) -> None:
    vault.close()
    before = snapshot(vault_dir)
    with pytest.raises(WrongPassphraseError, match="wrong passphrase"):
        Vault.open(vault_dir, "not the passphrase")
    assert snapshot(vault_dir) == before


def test_database_is_encrypted_and_blobs_hold_no_plaintext(vault: Vault, vault_dir: Path, case) -> None:
    secret = "Tin nhắn bí mật SECRET-PLAINTEXT-MARKER ".encode() * 1000
    with vault.batch(case) as batch:
        batch.add_content(io.BytesIO(secret), kind="file", name="secret-name.txt", source="/evidence/secret-name.txt")
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for path in vault_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"SECRET-PLAINTEXT-MARKER" not in data, path
            assert b"secret-name" not in data, path
    assert not (vault_dir / "vault.db").read_bytes().startswith(b"SQLite format 3")


def test_not_a_vault_newer_version_missing_and_damaged_database(tmp_path: Path, vault: Vault, vault_dir: Path) -> None:
    with pytest.raises(NotAVaultError, match="not an evidence vault"):
        Vault.open(tmp_path, PASSPHRASE)
    with pytest.raises(NotAVaultError, match="does not exist"):
        Vault.open(tmp_path / "nowhere", PASSPHRASE)
    vault.close()
    config_path = vault_dir / "vault.json"
    original = config_path.read_text()
    config_path.write_text(original.replace('"version": 3', '"version": 99'))
    with pytest.raises(VaultVersionError, match="newer"):
        Vault.open(vault_dir, PASSPHRASE)
    config_path.write_text("{ not json")
    with pytest.raises(VaultDamagedError):
        Vault.open(vault_dir, PASSPHRASE)
    config_path.write_text(original)
    db = vault_dir / "vault.db"
    saved = db.read_bytes()
    db.unlink()
    with pytest.raises(VaultDamagedError, match="missing"):
        Vault.open(vault_dir, PASSPHRASE)
    db.write_bytes(os.urandom(len(saved)))
    with pytest.raises(VaultDamagedError, match="damaged"):
        Vault.open(vault_dir, PASSPHRASE)
    db.write_bytes(saved)
    Vault.open(vault_dir, PASSPHRASE).close()


def test_create_refuses_an_existing_vault_or_a_non_empty_folder(vault: Vault, vault_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(VaultExistsError):
        Vault.create(vault_dir, PASSPHRASE, "X")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "something.txt").write_text("x")
    with pytest.raises(VaultExistsError, match="not empty"):
        Vault.create(busy, PASSPHRASE, "X")
    with pytest.raises(UsageError, match="at least"):
        Vault.create(tmp_path / "short", "short", "X")
    assert not (tmp_path / "short").exists()


def test_key_slots_add_remove_change(vault: Vault, vault_dir: Path) -> None:
    slot = vault.add_key_slot("second passphrase", "Trần Thị B")
    vault.close()
    second = Vault.open(vault_dir, "second passphrase")
    assert second.unlocked_slot == slot
    first_slot = next(s["id"] for s in second.info()["key_slots"] if not s["unlocked_this_session"])
    second.remove_key_slot(first_slot)
    with pytest.raises(UsageError, match="only key slot"):
        second.remove_key_slot(slot)
    with pytest.raises(NotFoundError):
        second.remove_key_slot("nope")
    second.change_passphrase("third passphrase")
    assert [a for a in actions(second) if a.startswith("keyslot")] == ["keyslot.add", "keyslot.remove", "keyslot.change"]
    second.close()
    for old in (PASSPHRASE, "second passphrase"):
        with pytest.raises(WrongPassphraseError):
            Vault.open(vault_dir, old)
    Vault.open(vault_dir, "third passphrase").close()
    vault.conn = None  # closed above; the fixture must not verify a closed handle
    reopened = Vault.open(vault_dir, "third passphrase")
    from ..conftest import assert_verifies_clean

    assert_verifies_clean(reopened)
    reopened.close()


def test_ingest_hashes_match_independent_hashes_and_dedupe(vault: Vault, case) -> None:
    data = os.urandom(3 * (1 << 20) + 12345)
    with vault.batch(case) as batch:
        first = batch.add_content(io.BytesIO(data), kind="file", name="a.bin", source="/a.bin", extra_hashes=["md5", "sha1"])
        second = batch.add_content(io.BytesIO(data), kind="file", name="copy.bin", source="/copy.bin")
    a, b = first.item, second.item
    assert a is not None and b is not None
    assert a.sha256 == hashlib.sha256(data).hexdigest() == b.sha256
    assert a.blake3 == blake3.blake3(data).hexdigest()
    assert a.md5 == hashlib.md5(data).hexdigest() and a.sha1 == hashlib.sha1(data).hexdigest()
    assert b.md5 is None
    assert a.blob == b.blob, "identical content is stored once"
    assert len(list(vault.blobs.list_names())) == 1
    assert b"".join(vault.read_item(a)) == data
    blob_path = vault.blobs.path_for(a.blob)
    assert blake3.blake3(blob_path.read_bytes()).hexdigest() == a.blob, "blob named by BLAKE3 of its ciphertext"
    assert blob_path.stat().st_size == BLOB_HEADER_SIZE + len(data) + 4 * 16


def test_parent_child_items_cases_and_json_shape(vault: Vault, case) -> None:
    with vault.batch(case) as batch:
        capture = batch.add_record(kind="web_capture", name="https://example.org/", source="https://example.org/",
                                   metadata={"provenance": {"status": 200}})
        batch.add_content(io.BytesIO(b"<html></html>"), kind="html", name="page.html", source="https://example.org/",
                          parent=capture)
    parent = capture.item
    assert parent is not None
    children = vault.list_items(parent_id=parent.id)
    assert [c.kind for c in children] == ["html"] and children[0].media_type == "text/html"
    data = children[0].to_json()
    for key in ("id", "case_id", "parent_id", "kind", "name", "source", "size", "sha256", "blake3", "media_type",
                "acquired_at", "examiner", "warnings"):
        assert key in data
    assert data["acquired_at"].endswith("Z") and data["parent_id"] == parent.id
    assert vault.get_item(parent.uid).id == parent.id
    other = vault.create_case("VV-2", "Other")
    with pytest.raises(UsageError, match="not in case"), vault.batch(other) as batch:
        batch.add_record(kind="file", name="x", source="x", parent=parent.id)
    assert vault.list_items(other.id) == []


def test_closed_case_refuses_new_evidence(vault: Vault, case) -> None:
    vault.set_case_status(case.id, "closed")
    with pytest.raises(UsageError, match="closed"):
        vault.batch(case.id)
    vault.set_case_status(case.number, "open")
    assert vault.get_case(case.uid).status == "open"


def test_cancel_before_commit_leaves_nothing(vault: Vault, case) -> None:
    from evidence_store import Cancelled, CancelToken

    token = CancelToken()
    calls = []

    def progress(done: int, total: int | None, label: str) -> None:
        calls.append(done)
        if done > 2 << 20:
            token.cancel()

    with pytest.raises(Cancelled), vault.batch(case) as batch:
        batch.add_content(io.BytesIO(b"a" * 100), kind="file", name="small", source="s")
        batch.add_content(io.BytesIO(os.urandom(8 << 20)), kind="file", name="big", source="b",
                          progress=progress, cancel=token)
    assert vault.list_items(case.id) == []
    assert list(vault.blobs.list_names()) == [] and vault.blobs.list_temp() == []


def test_export_checks_hashes_and_is_logged(vault: Vault, case, tmp_path: Path) -> None:
    with vault.batch(case) as batch:
        pending = batch.add_content(io.BytesIO("nội dung".encode()), kind="file", name="../../etc/CON.txt",
                                    source="/x/CON.txt")
    item = pending.item
    assert item is not None
    out = vault.export_item(item, tmp_path / "out")
    assert out.parent == tmp_path / "out" and out.read_bytes() == "nội dung".encode()
    assert ".." not in out.name and "/" not in out.name
    with pytest.raises(UsageError, match="already exists"):
        vault.export_item(item, tmp_path / "out")
    vault.record_view(item)
    assert actions(vault)[-2:] == ["item.export", "item.view"]
    export_entry = vault.custody.entries(item_id=item.id)[1].record
    assert export_entry["details"]["sha256"] == item.sha256


def test_every_change_is_in_the_custody_log(vault: Vault) -> None:
    case = vault.create_case("VV-9", "Case")
    vault.update_case(case.id, title="Renamed")
    vault.add_examiner("Lê Văn C", "mật khẩu của C", position="Thanh tra viên")
    vault.set_setting("agency", "Sở Khoa học và Công nghệ")
    vault.set_case_status(case.id, "closed")
    assert actions(vault)[-5:] == ["case.create", "case.update", "examiner.add", "settings.change", "case.close"]
    assert vault.get_setting("agency") == "Sở Khoa học và Công nghệ"
    entries = vault.custody.entries()
    assert all(e.record["time"].endswith("Z") for e in entries)
    assert [e.seq for e in entries] == list(range(len(entries)))
    assert all(e.record["prev"] == entries[i - 1].leaf_hash for i, e in enumerate(entries) if i)


def test_entries_are_signed_by_the_examiner_whose_passphrase_opened_the_vault(vault: Vault, vault_dir: Path) -> None:
    vault.add_examiner("Phạm Thị D", "passphrase of D")
    vault.close()
    other = Vault.open(vault_dir, "passphrase of D")
    other.create_case("VV-D", "By D")
    last = other.custody.entries()[-1].record
    assert last["examiner"]["name"] == "Phạm Thị D"
    assert last["key"]["fingerprint"] == other.examiner.fingerprint != other.get_examiner("Nguyễn Văn Kiểm").fingerprint
    for name in ("Phạm Thị D", "Nobody"):  # the first examiner's passphrase signs as the first examiner only
        with pytest.raises(UsageError, match="passphrase is examiner Nguyễn Văn Kiểm's"):
            Vault.open(vault_dir, PASSPHRASE, examiner=name)
    other.close()
    vault.conn = None
    reopened = Vault.open(vault_dir, PASSPHRASE)
    from ..conftest import assert_verifies_clean

    assert_verifies_clean(reopened)
    reopened.close()


def test_bad_references_and_duplicates_are_refused(vault: Vault) -> None:
    with pytest.raises(NotFoundError):
        vault.get_case("missing")
    with pytest.raises(NotFoundError):
        vault.get_item(999)
    vault.create_case("VV-1", "One")
    with pytest.raises(UsageError, match="already exists"):
        vault.create_case("VV-1", "Again")
    with pytest.raises(UsageError):
        vault.create_case("  ", "No number")
    with pytest.raises(UsageError):
        vault.update_case("VV-1", number="changed")


def test_content_ingested_by_a_worker_commits_like_add_content(vault: Vault, case) -> None:
    """``add_ingested``: a stream hashed and encrypted earlier (another thread or process) joins a batch."""
    data = "tệp đọc song song".encode() * 100
    result = vault.blobs.ingest(io.BytesIO(data), extra_hashes=("md5",), label="w.txt", sync=False)
    with vault.batch(case, sync_each=False) as batch:
        parent = batch.add_record(kind="disk_image", name="img", source="img")
        pending = batch.add_ingested(result, kind="extracted_file", name="w.txt", source="img:/w.txt", parent=parent,
                                     metadata={"k": (1, 2)}, details={"path": "/w.txt"})
        again = batch.add_content(io.BytesIO(data), kind="extracted_file", name="w2.txt", source="img:/w2.txt",
                                  parent=parent.item if parent.item else parent)
    item, twin = pending.item, again.item
    assert item is not None and twin is not None
    assert (item.sha256, item.blake3, item.md5, item.size) == (hashlib.sha256(data).hexdigest(),
                                                                blake3.blake3(data).hexdigest(),
                                                                hashlib.md5(data).hexdigest(), len(data))
    assert item.media_type == "text/plain" and item.metadata == {"k": [1, 2]} and item.blob == twin.blob
    assert b"".join(vault.read_item(item)) == data and vault.blobs.list_temp() == []
    entry = [e.record for e in vault.custody.entries() if e.record["action"] == "item.acquire"][-2]
    assert entry["item"]["id"] == item.id and entry["details"]["path"] == "/w.txt"
    discarded = vault.blobs.ingest(io.BytesIO(b"never committed"), label="x", sync=False)
    batch = vault.batch(case)
    batch.add_ingested(discarded, kind="file", name="x", source="x")
    batch.discard()
    assert not discarded.temp_path.exists() and vault.blobs.list_temp() == []
    other = vault.create_case("VV-3", "Other")
    with pytest.raises(UsageError, match="not in case"), vault.batch(other) as wrong:
        wrong.add_ingested(vault.blobs.ingest(io.BytesIO(b"y"), label="y"), kind="file", name="y", source="y",
                           parent=item.id)
    assert vault.list_items(other.id) == [] and vault.blobs.list_temp() == []
