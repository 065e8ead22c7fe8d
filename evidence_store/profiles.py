"""Saved browser login profiles (Playwright storage state), kept encrypted in the vault.

A login profile lets a capture see what an investigation account sees. It
holds session cookies, that is credentials, not evidence: so it lives apart
from items (a profile is replaced when the examiner logs in again and can be
removed, which evidence never is), in its own table of ``vault.db``, and is
encrypted twice: by SQLCipher like the whole database, and by its own
ChaCha20-Poly1305 key (a sub-key of the master key, the profile's name bound
as associated data), so no row dump, report or custody extract can show a
cookie. Saving, using and removing a profile are custody-log entries that name
the profile, the account, the sites and a SHA-256 of the state, never its content.

The table is created on first use (``CREATE TABLE IF NOT EXISTS``), so older
vaults need no migration.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from . import crypto
from .canonical import iso_utc
from .errors import IntegrityError, NotFoundError, UsageError
from .models import Case

if TYPE_CHECKING:
    from .vault import Vault

TABLE = """CREATE TABLE IF NOT EXISTS login_profiles (
    name TEXT PRIMARY KEY,
    account TEXT NOT NULL DEFAULT '{}',
    origins TEXT NOT NULL DEFAULT '[]',
    cookies INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    nonce BLOB NOT NULL,
    state BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    examiner_id INTEGER NOT NULL REFERENCES examiners(id)
)"""
NAME = re.compile(r"^[\w.-]{1,64}$")


@dataclass(frozen=True)
class LoginProfile:
    """What may be shown about a profile (never the cookies)."""

    name: str
    account: dict[str, Any]
    origins: list[str]
    cookies: int
    sha256: str
    created_at: str
    updated_at: str
    examiner: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "account": self.account, "origins": self.origins, "cookies": self.cookies,
                "sha256": self.sha256, "created_at": self.created_at, "updated_at": self.updated_at,
                "examiner": self.examiner}


class LoginProfiles:
    """The vault's login profiles. Writes run under the vault's writer lock, each with its custody entry."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._aead = ChaCha20Poly1305(crypto.subkey(vault._vault_key, "login-profiles"))

    # -- writing ---------------------------------------------------------------------------------------
    def save(self, name: str, state: dict[str, Any], *, account: dict[str, Any] | None = None) -> LoginProfile:
        """Store (or replace) the storage state of ``name``; logged as ``login_profile.save``."""
        check_name(name)
        if not isinstance(state, dict) or not isinstance(state.get("cookies", []), list):
            raise UsageError("a login profile must be a browser storage state (cookies and origins)",
                             message_vi="hồ sơ đăng nhập phải là trạng thái lưu trữ của trình duyệt (cookie và nguồn gốc)")
        plain = json.dumps(state, ensure_ascii=False, sort_keys=True).encode("utf-8")
        digest = hashlib.sha256(plain).hexdigest()
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plain, self._aad(name))
        origins = sorted({_site(c.get("domain", "")) for c in state.get("cookies", []) if c.get("domain")} |
                         {str(o.get("origin", "")) for o in state.get("origins", []) if o.get("origin")})
        now = iso_utc()
        vault = self.vault
        with vault._write():
            vault.conn.execute(TABLE)
            old = vault.conn.execute("SELECT created_at FROM login_profiles WHERE name = ?", (name,)).fetchone()
            vault.conn.execute(
                "INSERT OR REPLACE INTO login_profiles (name, account, origins, cookies, sha256, nonce, state,"
                " created_at, updated_at, examiner_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, json.dumps(account or {}, ensure_ascii=False), json.dumps(origins), len(state.get("cookies", [])),
                 digest, nonce, sealed, old[0] if old else now, now, vault.signer.examiner_id))
            vault.log("login_profile.save", details={"name": name, "replaced": old is not None,
                                                     "account": account or {}, "sites": origins,
                                                     "cookies": len(state.get("cookies", [])), "sha256": digest})
        return self.get(name)

    def remove(self, name: str) -> None:
        profile = self.get(name)
        with self.vault._write():
            self.vault.conn.execute("DELETE FROM login_profiles WHERE name = ?", (name,))
            self.vault.log("login_profile.remove", details={"name": name, "account": profile.account,
                                                            "sha256": profile.sha256})

    def reseal(self, new_vault_key: bytes) -> int:
        """Re-encrypt every profile under a new vault key (``vault rekey``); the caller holds the write."""
        if not self._exists():
            return 0
        new = ChaCha20Poly1305(crypto.subkey(new_vault_key, "login-profiles"))
        rows = self.vault.conn.execute("SELECT name, nonce, state FROM login_profiles").fetchall()
        for name, nonce, sealed in rows:
            plain = self._aead.decrypt(bytes(nonce), bytes(sealed), self._aad(name))
            fresh = os.urandom(12)
            self.vault.conn.execute("UPDATE login_profiles SET nonce = ?, state = ? WHERE name = ?",
                                    (fresh, new.encrypt(fresh, plain, self._aad(name)), name))
        return len(rows)

    # -- reading ---------------------------------------------------------------------------------------
    def list(self) -> list[LoginProfile]:
        if not self._exists():
            return []
        rows = self.vault.conn.execute(
            "SELECT p.*, e.name AS examiner FROM login_profiles p LEFT JOIN examiners e ON e.id = p.examiner_id"
            " ORDER BY p.name").fetchall()
        return [_profile(r) for r in rows]

    def get(self, name: str) -> LoginProfile:
        found = [p for p in self.list() if p.name == name]
        if not found:
            known = ", ".join(p.name for p in self.list()) or "none yet"
            raise NotFoundError(f"no login profile named {name!r} (known: {known})",
                                message_vi=f"không có hồ sơ đăng nhập tên {name!r} (đã có: {known})",
                                remedy="profile_login")
        return found[0]

    def load(self, name: str, *, case: Case | None = None, purpose: str = "capture") -> dict[str, Any]:
        """The decrypted storage state; each use is logged (``login_profile.use``) with the case."""
        profile = self.get(name)
        row = self.vault.conn.execute("SELECT nonce, state FROM login_profiles WHERE name = ?", (name,)).fetchone()
        try:
            plain = self._aead.decrypt(bytes(row[0]), bytes(row[1]), self._aad(name))
        except InvalidTag as exc:
            raise IntegrityError(f"login profile {name!r} failed authentication: it was damaged or tampered "
                                 "with; log in again to replace it",
                                 message_vi=f"hồ sơ đăng nhập {name!r} không xác thực được: đã bị hỏng hoặc bị sửa; hãy đăng "
                                            "nhập lại để thay thế") from exc
        if hashlib.sha256(plain).hexdigest() != profile.sha256:
            raise IntegrityError(f"login profile {name!r} does not match its recorded hash",
                                 message_vi=f"hồ sơ đăng nhập {name!r} không khớp với giá trị băm đã ghi")
        self.vault.log("login_profile.use", case=case, details={"name": name, "account": profile.account,
                                                                "purpose": purpose, "sha256": profile.sha256})
        state: dict[str, Any] = json.loads(plain)
        return state

    def _exists(self) -> bool:
        row = self.vault.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'login_profiles'").fetchone()
        return row is not None

    def _aad(self, name: str) -> bytes:
        return f"login-profile\0{self.vault.config.vault_id}\0{name}".encode()


def check_name(name: str) -> None:
    if not NAME.match(name or ""):
        raise UsageError(f"invalid login profile name {name!r}: use letters, digits, '.', '-' or '_' "
                         "(at most 64 characters)",
                         message_vi=f"tên hồ sơ đăng nhập {name!r} không hợp lệ: dùng chữ cái, chữ số, '.', '-' hoặc '_' (tối "
                                    "đa 64 ký tự)")


def _site(domain: str) -> str:
    return str(domain).lstrip(".")


def _profile(row: Any) -> LoginProfile:
    return LoginProfile(row["name"], json.loads(row["account"]), json.loads(row["origins"]), row["cookies"],
                        row["sha256"], row["created_at"], row["updated_at"], row["examiner"] or "")
