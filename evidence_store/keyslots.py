"""``vault.json``: format version, key slots and the public facts about a vault.

A key slot belongs to one examiner. Their passphrase (Argon2id) opens the slot's
sealed secrets: the examiner's X25519 identity, which opens the vault key sealed
to it, and (unless the examiner signs on a hardware token) their Ed25519 signing
key. So a passphrase opens the evidence and exactly one person's signature.

The vault key is sealed to each examiner's X25519 *public* key. ``vault rekey``
therefore seals a new vault key to every remaining examiner without knowing any
passphrase, and a removed examiner holding an old copy of this file opens
nothing written after the rekey (as with LUKS, removing a slot alone does not
stop an old copy of the header from opening the data it already covered).

Adding, removing or changing a passphrase rewrites only this small file
(atomically), never the data.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .canonical import iso_utc
from .crypto import (
    CIPHER_NAME,
    DEFAULT_SEGMENT_SIZE,
    KdfParams,
    derive_kek,
    key_check,
    open_sealed,
    seal_to,
    unwrap_key,
    wrap_key,
)
from .errors import (
    IntegrityError,
    NotAVaultError,
    NotFoundError,
    UsageError,
    VaultDamagedError,
    VaultVersionError,
    WrongPassphraseError,
    bilingual,
)

FORMAT_NAME = "forensics-evidence-vault"
FORMAT_VERSION = 3  # 3: the database's page size is in vault.json (16 KiB for new vaults)
FORMAT_VERSIONS_READ = (2, 3)  # 2: made before the page size was recorded, so SQLCipher's default
LEGACY_DB_PAGE_SIZE = 4096  # SQLCipher 4's default, every version-2 vault's
DB_PAGE_SIZE = 16384  # new vaults': see db.connect
CONFIG_FILE = "vault.json"
MIN_PASSPHRASE = 8
PERMISSIONS = ("owner", "group")
_PAGE_SIZES = tuple(1 << n for n in range(9, 17))  # what SQLite accepts: 512 B to 64 KiB


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _envelope_json(envelope: dict[str, bytes]) -> dict[str, str]:
    return {key: _b64(value) for key, value in envelope.items()}


def _envelope_from(data: dict[str, Any]) -> dict[str, bytes]:
    return {key: _unb64(data[key]) for key in ("epk", "nonce", "sealed")}


@dataclass(frozen=True)
class SlotSecrets:
    """What an examiner's passphrase opens: their X25519 identity and, for passphrase signers, their Ed25519 key."""

    x25519: bytes = field(repr=False)
    ed25519: bytes | None = field(default=None, repr=False)

    def to_bytes(self) -> bytes:
        return b"\x01" + self.x25519 + (self.ed25519 or b"")

    @classmethod
    def from_bytes(cls, data: bytes) -> SlotSecrets:
        if data[:1] != b"\x01" or len(data) not in (33, 65):
            raise IntegrityError("a key slot's secrets have an unknown layout",
                                 message_vi="bí mật của khe khoá có cấu trúc không xác định")
        return cls(data[1:33], data[33:65] or None)


@dataclass
class KeySlot:
    id: str
    label: str
    examiner: str  # the examiner's uid
    created_at: str
    kdf: KdfParams
    salt: bytes
    check: bytes
    secrets_nonce: bytes
    secrets: bytes
    recipient: bytes
    envelope: dict[str, bytes]
    next_envelope: dict[str, bytes] | None = None  # the new vault key while a rekey runs

    def to_json(self) -> dict[str, Any]:
        data = {
            "id": self.id, "label": self.label, "examiner": self.examiner, "created_at": self.created_at,
            "kdf": self.kdf.to_json(), "salt": _b64(self.salt), "check": _b64(self.check),
            "secrets": {"nonce": _b64(self.secrets_nonce), "sealed": _b64(self.secrets)},
            "recipient": _b64(self.recipient), "envelope": _envelope_json(self.envelope),
        }
        if self.next_envelope is not None:
            data["next_envelope"] = _envelope_json(self.next_envelope)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeySlot:
        return cls(
            id=str(data["id"]), label=str(data.get("label", "")), examiner=str(data["examiner"]),
            created_at=str(data["created_at"]), kdf=KdfParams.from_json(data["kdf"]), salt=_unb64(data["salt"]),
            check=_unb64(data["check"]), secrets_nonce=_unb64(data["secrets"]["nonce"]),
            secrets=_unb64(data["secrets"]["sealed"]), recipient=_unb64(data["recipient"]),
            envelope=_envelope_from(data["envelope"]),
            next_envelope=_envelope_from(data["next_envelope"]) if data.get("next_envelope") else None,
        )


@dataclass(frozen=True)
class Unlocked:
    """The result of a right passphrase: the vault key(s), the slot and its examiner's secrets."""

    vault_key: bytes = field(repr=False)
    slot: KeySlot
    secrets: SlotSecrets
    next_vault_key: bytes | None = field(default=None, repr=False)


@dataclass
class VaultConfig:
    vault_id: str
    created_at: str
    slots: list[KeySlot] = field(default_factory=list)
    cipher: str = CIPHER_NAME
    segment_size: int = DEFAULT_SEGMENT_SIZE
    version: int = FORMAT_VERSION
    epoch: int = 1  # incremented by each rekey
    permissions: str = "owner"  # "group": vault files readable by the owner's group too
    db_page_size: int = LEGACY_DB_PAGE_SIZE  # SQLCipher must be told it before it reads the first page

    # -- slots ------------------------------------------------------------------
    def _slot_aad(self, slot_id: str, examiner: str) -> bytes:
        return f"{FORMAT_NAME}|{self.vault_id}|slot|{slot_id}|{examiner}".encode()

    def _envelope_aad(self, recipient: bytes, epoch: int) -> bytes:
        return f"{FORMAT_NAME}|{self.vault_id}|vault-key|{epoch}|".encode() + recipient

    def add_slot(self, vault_key: bytes, passphrase: str, label: str, kdf: KdfParams, *, examiner: str,
                 secrets: SlotSecrets, recipient: bytes) -> KeySlot:
        """A new slot opening ``secrets`` with ``passphrase``; the vault key is sealed to ``recipient``."""
        check_passphrase(passphrase)
        import uuid  # here, not at the top: opening a vault does not load it

        slot_id = uuid.uuid4().hex[:8]
        salt = os.urandom(16)
        kek = derive_kek(passphrase, salt, kdf)
        nonce, sealed = wrap_key(kek, secrets.to_bytes(), self._slot_aad(slot_id, examiner))
        slot = KeySlot(slot_id, label, examiner, iso_utc(), kdf, salt, key_check(kek), nonce, sealed, recipient,
                       seal_to(recipient, vault_key, self._envelope_aad(recipient, self.epoch)))
        self.slots.append(slot)
        return slot

    def unlock(self, passphrase: str, examiner: str | None = None) -> Unlocked:
        """Open the slot this passphrase belongs to (``examiner``'s slots are tried first).

        A wrong passphrase raises WrongPassphraseError; a right passphrase whose
        slot no longer opens says the file was altered, naming the slot.
        """
        slots = sorted(self.slots, key=lambda s: s.examiner != examiner) if examiner else self.slots
        for slot in slots:
            kek = derive_kek(passphrase, slot.salt, slot.kdf)
            if not hmac.compare_digest(key_check(kek), slot.check):
                continue
            try:
                secrets = SlotSecrets.from_bytes(unwrap_key(kek, slot.secrets_nonce, slot.secrets,
                                                            self._slot_aad(slot.id, slot.examiner)))
                vault_key = open_sealed(secrets.x25519, slot.envelope, self._envelope_aad(slot.recipient, self.epoch))
                next_key = (open_sealed(secrets.x25519, slot.next_envelope,
                                        self._envelope_aad(slot.recipient, self.epoch + 1))
                            if slot.next_envelope else None)
            except (WrongPassphraseError, IntegrityError) as exc:
                raise VaultDamagedError(
                    f"the passphrase is right for key slot {slot.id}, but the slot does not open: {CONFIG_FILE} "
                    "was altered (this slot's examiner, secrets or sealed vault key, or the vault id, changed); "
                    "restore vault.json from a backup",
                    message_vi=f"mật khẩu đúng với khe khoá {slot.id} nhưng khe khoá không mở được: {CONFIG_FILE} đã bị sửa "
                               "(cán bộ, bí mật hoặc khoá kho niêm phong của khe này, hoặc mã kho, đã thay đổi); hãy khôi phục"
                               " vault.json từ bản sao lưu") from exc
            return Unlocked(vault_key, slot, secrets, next_key)
        raise WrongPassphraseError("wrong passphrase: it opens none of this vault's key slots",
                                   message_vi="sai mật khẩu: mật khẩu này không mở được khe khoá nào của kho")

    def slot(self, slot_id: str) -> KeySlot:
        for slot in self.slots:
            if slot.id == slot_id:
                return slot
        raise NotFoundError(f"no key slot {slot_id!r}",
                            message_vi=f"không có khe khoá {slot_id!r}",
                            remedy="slot_list")

    def remove_slot(self, slot_id: str) -> KeySlot:
        slot = self.slot(slot_id)
        if len(self.slots) == 1:
            raise UsageError("cannot remove the last key slot: the vault would never open again",
                             message_vi="không thể xoá khe khoá cuối cùng: kho sẽ không bao giờ mở được nữa")
        self.slots.remove(slot)
        return slot

    def remove_examiner_slots(self, examiner: str) -> list[KeySlot]:
        gone = [slot for slot in self.slots if slot.examiner == examiner]
        if len(gone) == len(self.slots):
            raise UsageError("cannot remove the only examiner who can open the vault",
                             message_vi="không thể xoá cán bộ duy nhất mở được kho")
        self.slots = [slot for slot in self.slots if slot.examiner != examiner]
        return gone

    # -- rekey --------------------------------------------------------------------
    def seal_next(self, next_key: bytes) -> None:
        """Seal a new vault key to every slot's recipient (the first step of a rekey)."""
        for slot in self.slots:
            slot.next_envelope = seal_to(slot.recipient, next_key, self._envelope_aad(slot.recipient, self.epoch + 1))

    def finish_rekey(self) -> None:
        """The new vault key becomes the only one (the last step of a rekey)."""
        for slot in self.slots:
            if slot.next_envelope is None:
                raise VaultDamagedError(f"key slot {slot.id} has no sealed new vault key; the rekey cannot finish",
                                        message_vi=f"khe khoá {slot.id} không có khoá kho mới đã niêm phong; không thể hoàn tất"
                                                   " việc đổi khoá")
        for slot in self.slots:
            slot.envelope, slot.next_envelope = slot.next_envelope, None  # type: ignore[assignment]
        self.epoch += 1

    @property
    def rekey_pending(self) -> bool:
        return any(slot.next_envelope is not None for slot in self.slots)

    # -- file -------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME, "version": self.version, "vault_id": self.vault_id,
            "created_at": self.created_at, "cipher": self.cipher, "segment_size": self.segment_size,
            "epoch": self.epoch, "permissions": self.permissions, "db_page_size": self.db_page_size,
            "key_slots": [slot.to_json() for slot in self.slots],
        }

    def save(self, root: Path) -> None:
        """Write atomically: temp file (owner-only, or the group's too), fsync, rename, fsync the directory."""
        data = json.dumps(self.to_json(), indent=2).encode("utf-8")
        temp = root / (CONFIG_FILE + ".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, file_mode(self.permissions))
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), file_mode(self.permissions))
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
            raise NotAVaultError(f"{root} does not exist or is not a directory",
                                 message_vi=f"{root} không tồn tại hoặc không phải thư mục")
        if not os.access(root, os.R_OK | os.X_OK):
            raise VaultDamagedError(f"{root}: permission denied (this user may not read the vault folder)",
                                    message_vi=f"{root}: không có quyền truy cập (người dùng này không được đọc thư mục kho)")
        if not path.is_file():
            raise NotAVaultError(
                f"{root} is not an evidence vault (no {CONFIG_FILE})"
            , message_vi=f"{root} không phải kho chứng cứ (không có {CONFIG_FILE})", remedy="vault_init")
        try:
            data = json.loads(path.read_text("utf-8"))
        except PermissionError as exc:
            raise VaultDamagedError(f"{path}: permission denied (this user may not read the vault)",
                                    message_vi=f"{path}: không có quyền truy cập (người dùng này không được đọc kho)") from exc
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise VaultDamagedError(f"{path} is unreadable or damaged: {exc}",
                                    message_vi=f"{path} không đọc được hoặc bị hỏng: {bilingual(exc)[1]}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
            raise NotAVaultError(f"{path} is not an evidence-vault file", message_vi=f"{path} không phải tệp của kho chứng cứ")
        version = data.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise VaultVersionError(
                f"this vault has format version {version}, newer than this tool supports "
                f"({FORMAT_VERSION}); install a newer version of the tool to open it"
            ,
                message_vi=f"kho này có phiên bản định dạng {version}, mới hơn phiên bản công cụ hỗ trợ ({FORMAT_VERSION}); hãy"
                           " cài phiên bản công cụ mới hơn để mở")
        if version not in FORMAT_VERSIONS_READ:
            raise VaultVersionError(
                f"this vault has format version {version}, made before examiners had keys of their own; this "
                f"version of the tool reads formats {FORMAT_VERSIONS_READ[0]} to {FORMAT_VERSION}: open it with the "
                "version that made it and export its cases as evidence packages",
                message_vi=f"kho này có phiên bản định dạng {version}, từ trước khi mỗi cán bộ có khoá riêng; phiên bản công cụ"
                           f" này chỉ đọc định dạng {FORMAT_VERSIONS_READ[0]} đến {FORMAT_VERSION}: hãy mở bằng phiên bản"
                           " đã tạo ra kho và xuất các vụ việc thành gói chứng cứ")
        try:
            slots = [KeySlot.from_json(slot) for slot in data["key_slots"]]
            config = cls(
                vault_id=str(data["vault_id"]), created_at=str(data["created_at"]), slots=slots,
                cipher=str(data["cipher"]), segment_size=int(data["segment_size"]), version=version,
                epoch=int(data.get("epoch", 1)), permissions=str(data.get("permissions", "owner")),
                db_page_size=int(data["db_page_size"] if version >= 3 else LEGACY_DB_PAGE_SIZE),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise VaultDamagedError(f"{path} is damaged: missing or invalid field {exc}",
                                    message_vi=f"{path} bị hỏng: thiếu trường hoặc trường không hợp lệ {exc}") from exc
        if not config.slots:
            raise VaultDamagedError(f"{path} has no key slots: no passphrase can open this vault; restore "
                                    f"{CONFIG_FILE} from a backup",
                                    message_vi=f"{path} không có khe khoá nào: không mật khẩu nào mở được kho này; hãy khôi "
                                               f"phục {CONFIG_FILE} từ bản sao lưu")
        if config.db_page_size not in _PAGE_SIZES:
            raise VaultDamagedError(f"{path} is damaged: {config.db_page_size} is not a database page size",
                                    message_vi=f"{path} bị hỏng: {config.db_page_size} không phải kích thước trang cơ sở dữ liệu")
        if config.permissions not in PERMISSIONS:
            raise VaultDamagedError(f"{path} is damaged: unknown permissions {config.permissions!r}",
                                    message_vi=f"{path} bị hỏng: quyền không xác định {config.permissions!r}")
        return config


def file_mode(permissions: str) -> int:
    return 0o640 if permissions == "group" else 0o600


def dir_mode(permissions: str) -> int:
    return 0o750 if permissions == "group" else 0o700


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise UsageError(f"the passphrase must have at least {MIN_PASSPHRASE} characters",
                         message_vi=f"mật khẩu phải có ít nhất {MIN_PASSPHRASE} ký tự")


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
