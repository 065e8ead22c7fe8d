"""``vault.json``: format version, key slots and the public facts about a vault.

Each key slot wraps the same random master key under a key derived from one
passphrase (Argon2id). Adding, removing or changing a passphrase rewrites only
this small file (atomically), never the data.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .canonical import iso_utc
from .crypto import CIPHER_NAME, DEFAULT_SEGMENT_SIZE, KdfParams, derive_kek, unwrap_key, wrap_key
from .errors import (
    NotAVaultError,
    NotFoundError,
    UsageError,
    VaultDamagedError,
    VaultVersionError,
    WrongPassphraseError,
)

FORMAT_NAME = "forensics-evidence-vault"
FORMAT_VERSION = 1
CONFIG_FILE = "vault.json"
MIN_PASSPHRASE = 8


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass
class KeySlot:
    id: str
    label: str
    created_at: str
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "created_at": self.created_at,
            "kdf": self.kdf.to_json(),
            "salt": _b64(self.salt),
            "nonce": _b64(self.nonce),
            "wrapped_key": _b64(self.wrapped),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeySlot:
        return cls(
            id=str(data["id"]),
            label=str(data.get("label", "")),
            created_at=str(data["created_at"]),
            kdf=KdfParams.from_json(data["kdf"]),
            salt=_unb64(data["salt"]),
            nonce=_unb64(data["nonce"]),
            wrapped=_unb64(data["wrapped_key"]),
        )


@dataclass
class VaultConfig:
    vault_id: str
    created_at: str
    slots: list[KeySlot] = field(default_factory=list)
    cipher: str = CIPHER_NAME
    segment_size: int = DEFAULT_SEGMENT_SIZE
    version: int = FORMAT_VERSION

    # -- slots ------------------------------------------------------------------
    def _aad(self, slot_id: str) -> bytes:
        return f"{FORMAT_NAME}|{self.vault_id}|slot|{slot_id}".encode()

    def add_slot(self, master_key: bytes, passphrase: str, label: str, kdf: KdfParams) -> KeySlot:
        check_passphrase(passphrase)
        import uuid  # here, not at the top: opening a vault does not load it

        slot_id = uuid.uuid4().hex[:8]
        salt = os.urandom(16)
        nonce, wrapped = wrap_key(derive_kek(passphrase, salt, kdf), master_key, self._aad(slot_id))
        slot = KeySlot(slot_id, label, iso_utc(), kdf, salt, nonce, wrapped)
        self.slots.append(slot)
        return slot

    def unlock(self, passphrase: str) -> tuple[bytes, KeySlot]:
        """Try every slot; a wrong passphrase raises WrongPassphraseError."""
        for slot in self.slots:
            kek = derive_kek(passphrase, slot.salt, slot.kdf)
            try:
                return unwrap_key(kek, slot.nonce, slot.wrapped, self._aad(slot.id)), slot
            except WrongPassphraseError:
                continue
        raise WrongPassphraseError("wrong passphrase: it opens none of this vault's key slots")

    def remove_slot(self, slot_id: str) -> KeySlot:
        matches = [slot for slot in self.slots if slot.id == slot_id]
        if not matches:
            raise NotFoundError(f"no key slot {slot_id!r}; `forensics vault info` lists them")
        if len(self.slots) == 1:
            raise UsageError("cannot remove the last key slot: the vault would never open again")
        self.slots.remove(matches[0])
        return matches[0]

    # -- file -------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "version": self.version,
            "vault_id": self.vault_id,
            "created_at": self.created_at,
            "cipher": self.cipher,
            "segment_size": self.segment_size,
            "key_slots": [slot.to_json() for slot in self.slots],
        }

    def save(self, root: Path) -> None:
        """Write atomically: temp file, fsync, rename, fsync the directory."""
        data = json.dumps(self.to_json(), indent=2).encode("utf-8")
        temp = root / (CONFIG_FILE + ".tmp")
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, root / CONFIG_FILE)
        fd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    @classmethod
    def load(cls, root: Path) -> VaultConfig:
        path = root / CONFIG_FILE
        if not root.is_dir():
            raise NotAVaultError(f"{root} does not exist or is not a directory")
        if not path.is_file():
            raise NotAVaultError(
                f"{root} is not an evidence vault (no {CONFIG_FILE}); create one with `forensics vault init`"
            )
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise VaultDamagedError(f"{path} is unreadable or damaged: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
            raise NotAVaultError(f"{path} is not an evidence-vault file")
        version = data.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise VaultVersionError(
                f"this vault has format version {version}, newer than this tool supports "
                f"({FORMAT_VERSION}); install a newer version of the tool to open it"
            )
        try:
            return cls(
                vault_id=str(data["vault_id"]),
                created_at=str(data["created_at"]),
                slots=[KeySlot.from_json(slot) for slot in data["key_slots"]],
                cipher=str(data["cipher"]),
                segment_size=int(data["segment_size"]),
                version=version,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise VaultDamagedError(f"{path} is damaged: missing or invalid field {exc}") from exc


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise UsageError(f"the passphrase must have at least {MIN_PASSPHRASE} characters")


def passphrase_strength(passphrase: str) -> str:
    """A rough hint for the user: weak, fair or strong."""
    classes = sum(
        any(test(ch) for ch in passphrase)
        for test in (str.islower, str.isupper, str.isdigit, lambda ch: not ch.isalnum())
    )
    score = len(passphrase) + 4 * classes
    if len(passphrase) < MIN_PASSPHRASE or score < 20:
        return "weak"
    return "strong" if score >= 30 else "fair"
