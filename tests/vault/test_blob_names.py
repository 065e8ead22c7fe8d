"""Blob file names: BLAKE3 of the ciphertext for new blobs, SHA-256 for blobs written before issue 20.

Checked with the standard tools (``b3sum``, ``sha256sum``: keyless integrity), on a vault the tool wrote before
the change (tests/vault/data/vault-before-issue-20, see its README) and then added to, so one vault holds both
kinds; verify must find an altered or swapped blob of either kind.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from evidence_store import Item, Vault, verify_vault
from evidence_store.rekey import rekey

from ..conftest import PASSPHRASE, assert_verifies_clean

OLD_VAULT = Path(__file__).parent / "data" / "vault-before-issue-20"
OLD_CONTENT = {"bien-ban.txt": "Biên bản thu giữ số 1\n".encode(), "bytes.bin": bytes(range(256)) * 40}


def tool_digest(tool: str, path: Path) -> str:
    out = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True).stdout
    return out.split()[0]


def problems(vault: Vault) -> set[tuple[str, int | None]]:
    return {(p.code, p.item_id) for p in verify_vault(vault, log=False).problems}


@pytest.fixture
def mixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Vault, dict[str, Item]]:
    """The pre-issue-20 vault, opened by this tool (its migration applied), with two new items added.

    Each test opens its own copy of the same vault, so each has its own witness folder (a copy opened after
    another had grown would be a rollback).
    """
    monkeypatch.setenv("FORENSICS_WITNESS_DIR", str(tmp_path / "witness"))
    root = tmp_path / "old-vault"
    shutil.copytree(OLD_VAULT, root, ignore=shutil.ignore_patterns("README.txt"))
    vault = Vault.open(root, PASSPHRASE)
    case = vault.get_case("OLD-1")
    new = {"new-small.txt": b"a new small item\n", "new-big.bin": os.urandom(2 * (1 << 20) + 99)}
    with vault.batch(case) as batch:
        for name, data in new.items():
            batch.add_content(io.BytesIO(data), kind="file", name=name, source=f"/new/{name}")
    items = {item.name: item for item in vault.list_items(case.id)}
    assert set(items) == set(OLD_CONTENT) | set(new)
    return vault, items


def test_new_blobs_are_named_by_b3sum_of_their_file(vault: Vault, case) -> None:  # type: ignore[no-untyped-def]
    contents = {"one-segment.txt": b"short\n", "three-segments.bin": os.urandom(2 * (1 << 20) + 5)}
    with vault.batch(case) as batch:
        pending = [batch.add_content(io.BytesIO(data), kind="file", name=name, source=f"/{name}")
                   for name, data in contents.items()]
    for p in pending:
        assert p.item is not None and p.item.blob is not None
        path = vault.blobs.path_for(p.item.blob)
        assert tool_digest("b3sum", path) == p.item.blob
        assert tool_digest("sha256sum", path) != p.item.blob
    assert {r[0] for r in vault.conn.execute("SELECT name_hash FROM blobs")} == {"blake3"}


def test_a_vault_from_before_keeps_its_sha256_names_and_verifies(mixed: tuple[Vault, dict[str, Item]]) -> None:
    vault, items = mixed
    kinds = dict(vault.conn.execute("SELECT name, name_hash FROM blobs").fetchall())
    for name, data in OLD_CONTENT.items():
        item = items[name]
        assert item.blob is not None and kinds[item.blob] == "sha256"
        assert tool_digest("sha256sum", vault.blobs.path_for(item.blob)) == item.blob
        assert b"".join(vault.read_item(item)) == data
    for name in ("new-small.txt", "new-big.bin"):
        blob = items[name].blob
        assert blob is not None and kinds[blob] == "blake3"
        assert tool_digest("b3sum", vault.blobs.path_for(blob)) == blob
    assert_verifies_clean(vault)
    vault.close()


@pytest.mark.parametrize("which", ["bien-ban.txt", "new-big.bin"])
def test_an_altered_blob_of_either_kind_is_found(mixed: tuple[Vault, dict[str, Item]], which: str) -> None:
    vault, items = mixed
    path = vault.blobs.path_for(items[which].blob)  # type: ignore[arg-type]
    data = bytearray(path.read_bytes())
    data[-20] ^= 0x01
    path.write_bytes(bytes(data))
    assert problems(vault) == {("blob_corrupt", items[which].id)}
    vault.close()


@pytest.mark.parametrize(("a", "b"), [("bien-ban.txt", "new-small.txt"), ("bytes.bin", "bien-ban.txt"),
                                      ("new-big.bin", "new-small.txt")])
def test_swapped_blobs_of_either_kind_are_found(mixed: tuple[Vault, dict[str, Item]], a: str, b: str) -> None:
    vault, items = mixed
    first, second = (vault.blobs.path_for(items[name].blob) for name in (a, b))  # type: ignore[arg-type]
    temp = first.with_name("swap")
    os.replace(first, temp)
    os.replace(second, first)
    os.replace(temp, second)
    found = verify_vault(vault, log=False).problems
    assert {(p.code, p.item_id) for p in found} == {("blob_swapped", items[a].id), ("blob_swapped", items[b].id)}
    by_item = {p.item_id: p.message for p in found}
    assert items[b].blob[:16] in by_item[items[a].id]  # type: ignore[index]
    vault.close()


def test_an_old_blob_copied_over_a_new_one_is_found(mixed: tuple[Vault, dict[str, Item]]) -> None:
    vault, items = mixed
    shutil.copyfile(vault.blobs.path_for(items["bytes.bin"].blob),  # type: ignore[arg-type]
                    vault.blobs.path_for(items["new-small.txt"].blob))  # type: ignore[arg-type]
    assert problems(vault) == {("blob_swapped", items["new-small.txt"].id)}
    vault.close()


def test_a_row_naming_its_blob_by_an_unknown_hash_is_reported(mixed: tuple[Vault, dict[str, Item]]) -> None:
    vault, items = mixed
    vault.conn.execute("UPDATE blobs SET name_hash = 'md5' WHERE name = ?", (items["bien-ban.txt"].blob,))
    assert problems(vault) == {("record_altered", items["bien-ban.txt"].id)}
    vault.close()


def test_rekey_renames_old_blobs_by_blake3(mixed: tuple[Vault, dict[str, Item]]) -> None:
    vault, _items = mixed
    rekey(vault)
    for name, name_hash in vault.conn.execute("SELECT name, name_hash FROM blobs").fetchall():
        assert name_hash == "blake3"
        assert tool_digest("b3sum", vault.blobs.path_for(name)) == name
    for item in vault.list_items():
        if item.name in OLD_CONTENT:
            assert b"".join(vault.read_item(item)) == OLD_CONTENT[item.name]
    assert_verifies_clean(vault)
    vault.close()
