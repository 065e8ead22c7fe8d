"""evidence_store.profiles: login profiles encrypted in the vault, logged without their secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidence_store import IntegrityError, NotFoundError, UsageError, Vault
from evidence_store.profiles import LoginProfiles
from tests.conftest import PASSPHRASE

SECRET = "xs-secret-value-7f3a9c"
STATE = {"cookies": [
    {"name": "c_user", "value": "100090000000001", "domain": ".facebook.com", "path": "/", "expires": -1,
     "httpOnly": False, "secure": True, "sameSite": "None"},
    {"name": "xs", "value": SECRET, "domain": ".facebook.com", "path": "/", "expires": 1893456000,
     "httpOnly": True, "secure": True, "sameSite": "None"}],
    "origins": [{"origin": "https://www.facebook.com", "localStorage": [{"name": "k", "value": "v"}]}]}


def test_save_load_list_remove_and_custody(vault: Vault, vault_dir: Path) -> None:
    store = LoginProfiles(vault)
    assert store.list() == []  # no table yet: nothing, and no error
    saved = store.save("fb-dieu-tra", STATE, account={"label": "Tài khoản điều tra 1"})
    assert saved.cookies == 2 and saved.origins == ["facebook.com", "https://www.facebook.com"]
    case = vault.create_case("VV-P-1", "hồ sơ")
    assert store.load("fb-dieu-tra", case=case) == STATE
    again = store.save("fb-dieu-tra", {**STATE, "origins": []}, account={"label": "mới"})
    assert again.created_at == saved.created_at and again.updated_at >= saved.updated_at
    assert [p.name for p in store.list()] == ["fb-dieu-tra"]
    store.remove("fb-dieu-tra")
    assert store.list() == []
    with pytest.raises(NotFoundError, match="no login profile named"):
        store.load("fb-dieu-tra")
    entries = [(e.record["action"], e.record["details"]) for e in vault.custody.entries()]
    actions = [a for a, _ in entries if a.startswith("login_profile.")]
    assert actions == ["login_profile.save", "login_profile.use", "login_profile.save", "login_profile.remove"]
    log_text = json.dumps([d for _, d in entries], ensure_ascii=False)
    assert SECRET not in log_text and "100090000000001" not in log_text  # no cookie value in the custody log
    use = next(d for a, d in entries if a == "login_profile.use")
    assert use["account"] == {"label": "Tài khoản điều tra 1"} and use["purpose"] == "capture"


def test_state_is_encrypted_on_disk_and_bound_to_its_name(vault: Vault, vault_dir: Path) -> None:
    store = LoginProfiles(vault)
    store.save("x-1", STATE)
    vault.conn.execute("PRAGMA wal_checkpoint(FULL)")
    for path in vault_dir.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    row = vault.conn.execute("SELECT state FROM login_profiles WHERE name = 'x-1'").fetchone()
    assert SECRET.encode() not in bytes(row[0])  # sealed inside the (already encrypted) database too
    # a sealed state moved to another name does not open
    vault.conn.execute("INSERT INTO login_profiles SELECT 'x-2', account, origins, cookies, sha256, nonce, state, "
                       "created_at, updated_at, examiner_id FROM login_profiles WHERE name = 'x-1'")
    with pytest.raises(IntegrityError, match="failed authentication"):
        store.load("x-2")


def test_survives_reopen_and_rejects_bad_input(vault: Vault, vault_dir: Path) -> None:
    LoginProfiles(vault).save("tiktok.main", STATE)
    vault.close()
    reopened = Vault.open(vault_dir, PASSPHRASE)
    try:
        assert LoginProfiles(reopened).load("tiktok.main") == STATE
        for bad in ("", "có dấu cách", "a/b", "x" * 65):
            with pytest.raises(UsageError, match="invalid login profile name"):
                LoginProfiles(reopened).save(bad, STATE)
        with pytest.raises(UsageError, match="storage state"):
            LoginProfiles(reopened).save("ok", {"cookies": "nope"})
    finally:
        reopened.close()
