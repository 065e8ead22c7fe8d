"""The database's page size: 16 KiB in new vaults (format 3, recorded in vault.json), SQLCipher's 4 KiB in vaults
made before (format 2), which keep working and keep their pages.

SQLCipher cannot discover the page size (the first page is encrypted and authenticated whole), so a wrong or
missing size must be a clear "damaged" error, never a traceback or a guess.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from evidence_store import Vault
from evidence_store.errors import VaultDamagedError, VaultVersionError

from ..conftest import PASSPHRASE, assert_verifies_clean

OLD_VAULT = Path(__file__).parent / "data" / "vault-before-issue-20"  # format 2, 4 KiB pages (see its README)


def page_size(vault: Vault) -> int:
    return int(vault.conn.execute("PRAGMA page_size").fetchone()[0])


def test_new_vault_has_16k_pages_recorded_in_its_config(vault: Vault, vault_dir: Path, case) -> None:  # type: ignore[no-untyped-def]
    config = json.loads((vault_dir / "vault.json").read_text())
    assert config["version"] == 3 and config["db_page_size"] == 16384
    assert page_size(vault) == 16384
    with vault.batch(case) as batch:
        batch.add_content(io.BytesIO(b"bien ban\n" * 5000), kind="file", name="a.txt", source="/a.txt")
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert (vault_dir / "vault.db").stat().st_size % 16384 == 0
    vault.close()
    again = Vault.open(vault_dir, PASSPHRASE)
    assert page_size(again) == 16384 and [i.name for i in again.list_items(case.id)] == ["a.txt"]
    assert_verifies_clean(again)
    again.close()


def test_format_2_vault_keeps_its_4k_pages_through_changes_that_rewrite_its_config(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORENSICS_WITNESS_DIR", str(tmp_path / "witness"))
    root = tmp_path / "old"
    shutil.copytree(OLD_VAULT, root, ignore=shutil.ignore_patterns("README.txt"))
    assert json.loads((root / "vault.json").read_text())["version"] == 2
    vault = Vault.open(root, PASSPHRASE)
    assert page_size(vault) == 4096
    vault.add_key_slot("a recovery passphrase", "safe")  # rewrites vault.json
    with vault.batch(vault.get_case("OLD-1")) as batch:
        batch.add_content(io.BytesIO(b"added after\n"), kind="file", name="new.txt", source="/new.txt")
    vault.close()
    config = json.loads((root / "vault.json").read_text())
    assert config["version"] == 2 and config["db_page_size"] == 4096
    again = Vault.open(root, "a recovery passphrase")
    assert page_size(again) == 4096
    assert {i.name for i in again.list_items(again.get_case("OLD-1").id)} == {"bien-ban.txt", "bytes.bin", "new.txt"}
    assert_verifies_clean(again)
    again.close()


def test_a_missing_or_wrong_page_size_is_a_clear_error_and_changes_nothing(vault: Vault, vault_dir: Path) -> None:
    vault.close()
    config_path, db = vault_dir / "vault.json", vault_dir / "vault.db"
    original, saved = config_path.read_text(), db.read_bytes()

    def with_page_size(value: object) -> None:
        config = json.loads(original)
        if value is None:
            del config["db_page_size"]
        else:
            config["db_page_size"] = value
        config_path.write_text(json.dumps(config))

    with_page_size(None)
    with pytest.raises(VaultDamagedError, match="missing or invalid field 'db_page_size'"):
        Vault.open(vault_dir, PASSPHRASE)
    with_page_size(1000)
    with pytest.raises(VaultDamagedError, match="1000 is not a database page size"):
        Vault.open(vault_dir, PASSPHRASE)
    with_page_size(4096)  # a real page size, not this database's
    with pytest.raises(VaultDamagedError, match="cannot be decrypted with this vault's key"):
        Vault.open(vault_dir, PASSPHRASE)
    assert db.read_bytes() == saved
    config_path.write_text(original)
    Vault.open(vault_dir, PASSPHRASE).close()


def test_a_format_older_than_2_is_refused_with_the_formats_this_tool_reads(vault: Vault, vault_dir: Path) -> None:
    vault.close()
    config_path = vault_dir / "vault.json"
    config_path.write_text(config_path.read_text().replace('"version": 3', '"version": 1'))
    with pytest.raises(VaultVersionError, match="reads formats 2 to 3"):
        Vault.open(vault_dir, PASSPHRASE)
