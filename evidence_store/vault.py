"""The evidence vault: the only writer of vault files.

Layout (see DESIGN.md)::

    vault.json   format version, key slots (one per examiner passphrase; no secret in clear)
    vault.db     SQLCipher 4: examiners, cases, items, blobs, custody log and its Merkle nodes, settings
    blobs/xx/…   encrypted content, named by the BLAKE3 of the ciphertext (SHA-256 before issue 20)
    tmp/         ingests in progress (a crash leaves files here; verify reports them, repair removes them)
    vault.lock   the writer lock

Opening a vault takes one examiner's passphrase: it opens the evidence and that
examiner's signature, nobody else's. Every change happens inside
:meth:`Vault._write` (writer lock + one database transaction) and appends
custody entries signed by that examiner in the same transaction. When a session
that wrote closes, it signs a checkpoint and witnesses it outside the vault
(:mod:`.witness`); opening checks that the log still extends every witness.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import crypto
from .canonical import canonical_json, iso_utc
from .db import DB_FILE, DatabaseError, Row, connect
from .errors import IntegrityError, UsageError, VaultDamagedError, VaultError, VaultExistsError
from .examiners import Examiners
from .keyslots import (
    CONFIG_FILE,
    DB_PAGE_SIZE,
    SlotSecrets,
    Unlocked,
    VaultConfig,
    check_passphrase,
    dir_mode,
    file_mode,
)
from .lock import WriterLock, host_name
from .models import Examiner, Problem
from .queries import Queries
from .records import Records

if TYPE_CHECKING:
    from .blobs import BlobStore
    from .custody import CustodyEntry, CustodyLog
    from .identity import Signer
    from .models import Case, Item


class WitnessMismatchError(IntegrityError):
    """The custody log does not extend a checkpoint witnessed outside the vault (rollback or rewrite)."""

    exit_code = 1


class Vault(Examiners, Queries, Records):
    """An open, unlocked vault. Use :meth:`create` or :meth:`open`; close when done."""

    def __init__(self, root: Path, config: VaultConfig, unlocked: Unlocked, vault_key: bytes) -> None:
        self.root = root
        self.config = config
        self.unlocked_slot = unlocked.slot.id
        self._unlocked = unlocked
        self._vault_key = vault_key
        self.lock = WriterLock(root)
        self.conn = connect(root / DB_FILE, crypto.subkey(vault_key, "sqlcipher"), page_size=config.db_page_size)
        self.conn.row_factory = Row
        self._signer: Signer | None = None
        self._examiner_row: Any = None

    # The blob store and the custody log are made on first use: a vault opened to be
    # shown (the desktop app's start) reads rows only, and their code costs start-up time.
    @cached_property
    def blobs(self) -> BlobStore:
        from .blobs import BlobStore

        key, permissions = self._vault_key, self.config.permissions
        return BlobStore(self.root, crypto.subkey(key, "blob-encryption"), crypto.subkey(key, "blob-naming"),
                         dir_mode=dir_mode(permissions), file_mode=file_mode(permissions))

    @cached_property
    def custody(self) -> CustodyLog:
        from .custody import CustodyLog

        return CustodyLog(self.conn, self.config.vault_id)

    # -- lifecycle --------------------------------------------------------------
    @classmethod
    def create(cls, root: Path | str, passphrase: str, examiner: str, *, position: str = "", agency: str = "",
               unit: str = "", kdf: crypto.KdfParams | None = None, admin: bool = True,
               permissions: str = "owner") -> Vault:
        """A new vault whose first examiner is ``examiner`` (the vault's administrator unless ``admin=False``)."""
        root = Path(root)
        check_passphrase(passphrase)
        if not examiner.strip():
            raise UsageError("an examiner name is required to create a vault",
                             message_vi="cần có tên cán bộ để tạo kho chứng cứ")
        if (root / CONFIG_FILE).exists() or (root / DB_FILE).exists():
            raise VaultExistsError(f"{root} already holds a vault; open it instead",
                                   message_vi=f"{root} đã chứa một kho chứng cứ; hãy mở kho đó")
        if root.exists() and any(root.iterdir()):
            raise VaultExistsError(f"{root} is not empty; choose a new or empty directory for the vault",
                                   message_vi=f"{root} không trống; hãy chọn thư mục mới hoặc trống cho kho chứng cứ")
        import uuid  # here, not at the top: opening a vault does not load it

        from .identity import new_ed25519

        existed = root.exists()
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, dir_mode(permissions))
        vault_key = os.urandom(crypto.KEY_SIZE)
        config = VaultConfig(vault_id=str(uuid.uuid4()), created_at=iso_utc(), permissions=permissions,
                             db_page_size=DB_PAGE_SIZE)
        x_private, x_public = crypto.new_x25519()
        e_private, e_public = new_ed25519()
        secrets = SlotSecrets(x_private, e_private)
        examiner_uid = str(uuid.uuid4())
        slot = config.add_slot(vault_key, passphrase, examiner.strip(), kdf or crypto.default_kdf_params(),
                               examiner=examiner_uid, secrets=secrets, recipient=x_public)
        try:
            for sub in ("blobs", "tmp"):
                (root / sub).mkdir(mode=dir_mode(permissions))
                os.chmod(root / sub, dir_mode(permissions))
            db_path = root / DB_FILE
            os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode(permissions)))
            os.chmod(db_path, file_mode(permissions))  # SQLite gives -wal and -shm the database file's mode
            connect(db_path, crypto.subkey(vault_key, "sqlcipher"), page_size=config.db_page_size, create=True).close()
            config.save(root)
            vault = cls(root, config, Unlocked(vault_key, slot, secrets), vault_key)
            with vault._write():
                vault.conn.execute("INSERT INTO meta VALUES ('vault_id', ?)", (config.vault_id,))
                row = vault._insert_examiner(examiner_uid, examiner, position, agency, unit, e_public, x_public,
                                             role="admin" if admin else "examiner")
                vault._examiner_row = vault.conn.execute("SELECT * FROM examiners WHERE id = ?", (row.id,)).fetchone()
                for key, value in (("agency", agency), ("unit", unit)):
                    if value:
                        vault.conn.execute("INSERT INTO settings VALUES (?, ?)", (key, canonical_json(value).decode()))
                vault.log("vault.create", details={
                    "vault_id": config.vault_id, "format": config.version, "cipher": config.cipher,
                    "host": host_name(), "permissions": permissions,
                    "administrators": [examiner.strip()] if admin else []})
                vault.log("examiner.add", details=vault._examiner_facts(row, slot.id))
            return vault
        except BaseException:
            for name in (CONFIG_FILE, DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm", "vault.lock"):
                (root / name).unlink(missing_ok=True)
            for sub in ("blobs", "tmp"):
                if (root / sub).is_dir() and not any((root / sub).iterdir()):
                    (root / sub).rmdir()
            if not existed and root.is_dir() and not any(root.iterdir()):
                root.rmdir()
            raise

    @classmethod
    def open(cls, root: Path | str, passphrase: str, examiner: str | None = None, *,
             check_witnesses: bool = True) -> Vault:
        """Open with one examiner's passphrase; ``examiner``, when given, must be whose passphrase it is.

        Raises :class:`WitnessMismatchError` (exit 1) when the log no longer extends a
        checkpoint witnessed outside the vault; ``vault verify`` opens with
        ``check_witnesses=False`` and reports it among everything else.
        """
        root = Path(root)
        config = VaultConfig.load(root)
        if not (root / DB_FILE).is_file():
            raise VaultDamagedError(f"{root / DB_FILE} is missing: the vault's database is gone; restore it from a backup",
                                    message_vi=f"{root / DB_FILE} bị mất: cơ sở dữ liệu của kho không còn; hãy khôi phục từ bản"
                                               " sao lưu")
        unlocked = config.unlock(passphrase)
        vault = cls._connect_through_rekey(root, config, unlocked)
        try:
            stored = vault.conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
            if stored is None or stored[0] != config.vault_id:
                raise VaultDamagedError("vault.db belongs to a different vault than vault.json",
                                        message_vi="vault.db thuộc một kho khác với vault.json")
            vault._examiner_row = vault._examiner_by_uid(unlocked.slot.examiner)
            if examiner and examiner != vault._examiner_row["name"]:
                raise UsageError(f"this passphrase is examiner {vault._examiner_row['name']}'s, not {examiner}'s: "
                                 f"to act as {examiner}, open the vault with {examiner}'s own passphrase",
                                 message_vi=f"mật khẩu này là của cán bộ {vault._examiner_row['name']}, không phải của "
                                            f"{examiner}: muốn làm việc với tư cách {examiner}, hãy mở kho bằng mật khẩu của "
                                            f"chính {examiner}")
            if check_witnesses:
                problems = vault.witness_problems()
                if problems:
                    raise WitnessMismatchError(problems[0].message,
                                               message_vi="nhật ký lưu giữ chứng cứ không còn khớp với điểm kiểm tra đã được "
                                                          "lưu chứng kiến bên ngoài kho",
                                               remedy="vault_verify")
        except DatabaseError as exc:
            vault.close(witness=False)
            raise VaultDamagedError(f"the vault database is damaged: {exc}",
                                    message_vi=f"cơ sở dữ liệu kho bị hỏng: {exc}") from exc
        except BaseException:
            vault.close(witness=False)
            raise
        return vault

    @classmethod
    def _connect_through_rekey(cls, root: Path, config: VaultConfig, unlocked: Unlocked) -> Vault:
        """The database opens with the vault key, or, after a rekey that stopped just before its end, the new one."""
        try:
            return cls(root, config, unlocked, unlocked.vault_key)
        except VaultDamagedError:
            if unlocked.next_vault_key is None:
                raise
            vault = cls(root, config, unlocked, unlocked.next_vault_key)
            from .rekey import finish_interrupted

            finish_interrupted(vault)
            return vault

    def sibling(self) -> Vault:
        """Another connection to this unlocked vault, for another thread (the GUI's workers).

        A SQLite connection is not shared between threads that write; each thread
        gets its own, and the writer lock (one per connection) still serialises writes.
        """
        other = type(self)(self.root, self.config, self._unlocked, self._vault_key)
        other._signer, other._examiner_row = self._signer, self._examiner_row
        return other

    def close(self, *, witness: bool = True) -> None:
        """Close; a session that added to the custody log first signs a checkpoint and witnesses it."""
        if self.conn is None:
            return
        try:
            if witness and "custody" in self.__dict__ and self.custody.appended and self._can_sign():
                self.checkpoint()
        finally:
            self.conn.close()
            self.conn = None

    @property
    def is_open(self) -> bool:
        return self.conn is not None

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close(witness=exc[0] is None)

    # -- the acting examiner -----------------------------------------------------
    @property
    def examiner(self) -> Examiner:
        """Whose passphrase opened this session: the only examiner who can sign here."""
        return self.examiner_from_row(self._examiner_row)

    @property
    def signer(self) -> Signer:
        if self._signer is None:
            self._signer = self._make_signer()
        return self._signer

    def _can_sign(self) -> bool:
        return self._signer is not None or self._unlocked.secrets.ed25519 is not None

    def _make_signer(self) -> Signer:
        row = self._examiner_row
        if self._unlocked.secrets.ed25519 is None:
            raise VaultError(f"examiner {row['name']} signs with a hardware token: log in to it with its PIN "
                             "(FORENSICS_TOKEN_PIN, or the app's token login) before changing anything",
                             message_vi=f"cán bộ {row['name']} ký bằng thiết bị ký số: hãy đăng nhập thiết bị bằng mã PIN trước"
                                        " khi thay đổi bất cứ điều gì")
        from .identity import Ed25519Signer

        signer = Ed25519Signer(row["id"], row["uid"], row["name"], self._unlocked.secrets.ed25519)
        if signer.public_key != bytes(row["public_key"]):
            raise VaultDamagedError(f"examiner {row['name']}'s public key in vault.db is not the key their slot holds: "
                                    "the examiners table was altered",
                                    message_vi=f"khoá công khai của cán bộ {row['name']} trong vault.db không phải khoá trong "
                                               "khe khoá của họ: bảng cán bộ đã bị sửa")
        return signer

    def use_token(self, signer: Signer) -> None:
        """Sign from now on with a token's key (the examiner's own, checked against their recorded public key)."""
        row = self._examiner_row
        if signer.examiner_id != row["id"] or signer.public_key != bytes(row["public_key"]):
            raise UsageError(f"the token's key is not examiner {row['name']}'s recorded key",
                             message_vi=f"khoá của thiết bị không phải khoá đã ghi của cán bộ {row['name']}")
        self._signer = signer

    # -- writing ----------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[None]:
        """Writer lock + one IMMEDIATE transaction; rolled back on any error."""
        with self.lock:
            if self.conn.in_transaction:  # nested: join the outer transaction
                yield
                return
            self._execute_write("BEGIN IMMEDIATE")
            self.custody.forget_head()
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self._execute_write("COMMIT")
            finally:
                self.custody.forget_head()

    def transaction(self) -> Any:
        """Several changes as one: everything inside is committed together, or nothing (writer lock held)."""
        return self._write()

    def _execute_write(self, statement: str) -> None:
        from .db import translate_write_error

        try:
            self.conn.execute(statement)
        except DatabaseError as exc:
            raise translate_write_error(exc, self.root / DB_FILE) from exc

    def log(self, action: str, *, case: Case | None = None, item: Item | None = None,
            details: dict[str, Any] | None = None) -> CustodyEntry:
        """Append a custody entry signed by this session's examiner (inside the current write, or in its own)."""
        with self._write():
            return self.custody.append(
                self.signer,
                action,
                case=(case.id, case.uid) if case else ((item.case_id, self._case_uid(item.case_id)) if item else None),
                item=(item.id, item.uid) if item else None,
                details=details,
            )

    def _case_uid(self, case_id: int) -> str:
        row = self.conn.execute("SELECT uid FROM cases WHERE id = ?", (case_id,)).fetchone()
        return str(row[0]) if row else ""

    # -- checkpoints and witnesses ----------------------------------------------------
    def witness_dirs(self) -> list[Path]:
        """The user's witness folder and the extra ones set in ``witness_dirs``."""
        from .locations import witness_dir

        extra = self.get_setting("witness_dirs", []) or []
        return [witness_dir(), *(Path(str(p)).expanduser() for p in extra if str(p).strip())]

    def checkpoint(self) -> dict[str, Any]:
        """Sign a checkpoint of the whole log now, store it and witness it; returns note, verifier key, size."""
        from . import witness

        with self._write():
            note, vkey = self.custody.checkpoint(self.signer)
        size = self.custody.size()
        problems = witness.write(self.witness_dirs(), self.config.vault_id, note, size)
        return {"checkpoint": note, "verifier_key": vkey, "size": size, "examiner": self.signer.name,
                "witness_problems": [p.to_json() for p in problems]}

    def witness_problems(self) -> list[Problem]:
        """Every way the log fails to extend the checkpoints witnessed outside the vault ([] when it does)."""
        from . import witness

        seen, problems = witness.read(self.witness_dirs(), self.config.vault_id)
        return problems + witness.check(self.custody, seen)

    def accept_rollback(self, reason: str) -> dict[str, Any]:
        """Accept the vault as it is now (e.g. restored from a backup): logged with what the witnesses held."""
        from . import witness

        if not reason.strip():
            raise UsageError("say why the restored state is accepted",
                             message_vi="hãy nêu lý do chấp nhận trạng thái đã khôi phục",
                             remedy="restore_reason")
        seen, _ = witness.read(self.witness_dirs(), self.config.vault_id)
        problems = witness.check(self.custody, seen)
        if not problems:
            raise UsageError("the custody log extends every witnessed checkpoint: there is nothing to accept",
                             message_vi="nhật ký lưu giữ chứng cứ đã kéo dài mọi điểm kiểm tra được chứng kiến: không có gì để "
                                        "chấp nhận")
        stamp = iso_utc()
        moved = witness.archive(self.witness_dirs(), self.config.vault_id, stamp)
        self.log("vault.rollback_accepted", details={
            "reason": reason, "log_size": self.custody.size(),
            "witnessed": [{"path": str(w.path), "size": w.size, "root": w.root.hex(), "checkpoint": w.note}
                          for w in seen],
            "problems": [p.message for p in problems], "archived_witnesses": [str(p) for p in moved]})
        return self.checkpoint()

    # -- facts ------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        counts = self.table_counts()
        return {
            "path": str(self.root.resolve()),
            "vault_id": self.config.vault_id,
            "format_version": self.config.version,
            "created_at": self.config.created_at,
            "cipher": self.config.cipher,
            "segment_size": self.config.segment_size,
            "key_epoch": self.config.epoch,
            "permissions": self.config.permissions,
            "sqlcipher_version": self.conn.execute("PRAGMA cipher_version").fetchone()[0],
            "key_slots": self.key_slots(),
            "examiner": self._examiner_row["name"],
            "counts": counts,
            "stored_bytes": self.stored_bytes(),
            "host": host_name(),
        }
