"""The evidence vault: the only writer of vault files.

Layout (see DESIGN.md)::

    vault.json   format version, key slots (public facts, no secrets in clear)
    vault.db     SQLCipher 4: examiners, cases, items, blobs, custody log, settings
    blobs/xx/…   encrypted content, named by the SHA-256 of the ciphertext
    tmp/         ingests in progress (a crash leaves files here; verify reports them)
    vault.lock   the writer lock

Every change happens inside :meth:`Vault._write` (writer lock + one database
transaction) and appends a signed custody entry in the same transaction, so an
action and its log entry are committed together or not at all.
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
from .errors import NotFoundError, UsageError, VaultDamagedError, VaultError, VaultExistsError
from .keyslots import CONFIG_FILE, VaultConfig, check_passphrase
from .lock import WriterLock, host_name
from .models import Case, Examiner, Item, Signer
from .records import Records

if TYPE_CHECKING:
    from .blobs import BlobStore
    from .custody import CustodyEntry, CustodyLog


class Vault(Records):
    """An open, unlocked vault. Use :meth:`create` or :meth:`open`; close when done."""

    def __init__(self, root: Path, config: VaultConfig, master_key: bytes, unlocked_slot: str) -> None:
        self.root = root
        self.config = config
        self.unlocked_slot = unlocked_slot
        self._master_key = master_key
        self.lock = WriterLock(root)
        self.conn = connect(root / DB_FILE, crypto.subkey(master_key, "sqlcipher"))
        self.conn.row_factory = Row
        self._signer: Signer | None = None

    # The blob store and the custody log are made on first use: a vault opened to be
    # shown (the desktop app's start) reads rows only, and their code costs start-up time.
    @cached_property
    def blobs(self) -> BlobStore:
        from .blobs import BlobStore

        master_key = self._master_key
        return BlobStore(self.root, crypto.subkey(master_key, "blob-encryption"), crypto.subkey(master_key, "blob-naming"))

    @cached_property
    def custody(self) -> CustodyLog:
        from .custody import CustodyLog

        return CustodyLog(self.conn, f"forensics.vault/{self.config.vault_id}")

    # -- lifecycle --------------------------------------------------------------
    @classmethod
    def create(
        cls,
        root: Path | str,
        passphrase: str,
        examiner: str,
        *,
        position: str = "",
        agency: str = "",
        unit: str = "",
        kdf: crypto.KdfParams | None = None,
    ) -> Vault:
        root = Path(root)
        check_passphrase(passphrase)
        if not examiner.strip():
            raise UsageError("an examiner name is required to create a vault")
        if (root / CONFIG_FILE).exists() or (root / DB_FILE).exists():
            raise VaultExistsError(f"{root} already holds a vault; open it instead")
        if root.exists() and any(root.iterdir()):
            raise VaultExistsError(f"{root} is not empty; choose a new or empty directory for the vault")
        root.mkdir(parents=True, exist_ok=True)
        master_key = os.urandom(crypto.KEY_SIZE)
        import uuid  # here, not at the top: opening a vault does not load it

        config = VaultConfig(vault_id=str(uuid.uuid4()), created_at=iso_utc())
        slot = config.add_slot(master_key, passphrase, "initial", kdf or crypto.default_kdf_params())
        try:
            for sub in ("blobs", "tmp"):
                (root / sub).mkdir()
            connect(root / DB_FILE, crypto.subkey(master_key, "sqlcipher"), create=True).close()
            config.save(root)
            vault = cls(root, config, master_key, slot.id)
            with vault._write():
                vault.conn.execute("INSERT INTO meta VALUES ('vault_id', ?)", (config.vault_id,))
                examiner_row = vault._insert_examiner(examiner, position, agency, unit)
                vault._signer = vault._load_signer(
                    vault.conn.execute("SELECT * FROM examiners WHERE id = ?", (examiner_row.id,)).fetchone()
                )
                vault.conn.execute(
                    "INSERT INTO settings VALUES ('default_examiner', ?)", (canonical_json(examiner).decode(),)
                )
                for key, value in (("agency", agency), ("unit", unit)):
                    if value:
                        vault.conn.execute("INSERT INTO settings VALUES (?, ?)", (key, canonical_json(value).decode()))
                vault.log("vault.create", details={"vault_id": config.vault_id, "format": config.version,
                                                    "cipher": config.cipher, "host": host_name()})
                vault.log("examiner.add", details={"name": examiner, "public_key": examiner_row.public_key.hex()})
            return vault
        except BaseException:
            for name in (CONFIG_FILE, DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm", "vault.lock"):
                (root / name).unlink(missing_ok=True)
            for sub in ("blobs", "tmp"):
                if (root / sub).is_dir() and not any((root / sub).iterdir()):
                    (root / sub).rmdir()
            raise

    @classmethod
    def open(cls, root: Path | str, passphrase: str, examiner: str | None = None) -> Vault:
        root = Path(root)
        config = VaultConfig.load(root)
        if not (root / DB_FILE).is_file():
            raise VaultDamagedError(f"{root / DB_FILE} is missing: the vault's database is gone; restore it from a backup")
        master_key, slot = config.unlock(passphrase)
        vault = cls(root, config, master_key, slot.id)
        try:
            stored = vault.conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
            if stored is None or stored[0] != config.vault_id:
                raise VaultDamagedError("vault.db belongs to a different vault than vault.json")
            vault.use_examiner(examiner)
        except DatabaseError as exc:
            vault.close()
            raise VaultDamagedError(f"the vault database is damaged: {exc}") from exc
        except BaseException:
            vault.close()
            raise
        return vault

    def sibling(self) -> Vault:
        """Another connection to this unlocked vault, for another thread (the GUI's workers).

        A SQLite connection is not shared between threads that write; each thread
        gets its own, and the writer lock (one per connection) still serialises writes.
        """
        other = type(self)(self.root, self.config, self._master_key, self.unlocked_slot)
        other._signer = self._signer
        return other

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- the acting examiner -----------------------------------------------------
    def use_examiner(self, name: str | None) -> Examiner:
        """Choose who signs custody entries from now on (default: the vault's default)."""
        name = name or self.get_setting("default_examiner")
        row = self.conn.execute("SELECT * FROM examiners WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(f"no examiner named {name!r} in this vault; add one with `forensics examiner add`")
        self._signer = self._load_signer(row)
        return self.examiner_from_row(row)

    @property
    def examiner(self) -> Examiner:
        return self.get_examiner(self.signer.name)

    @property
    def signer(self) -> Signer:
        if self._signer is None:
            raise VaultError("no examiner selected")
        return self._signer

    def _load_signer(self, row: Any) -> Signer:
        return Signer(row["id"], row["name"], bytes(row["private_key"]))

    def add_examiner(self, name: str, position: str = "", agency: str = "", unit: str = "") -> Examiner:
        if not name.strip():
            raise UsageError("an examiner needs a name")
        with self._write():
            if self.conn.execute("SELECT 1 FROM examiners WHERE name = ?", (name,)).fetchone():
                raise UsageError(f"an examiner named {name!r} already exists")
            row = self._insert_examiner(name, position, agency, unit)
            self.log("examiner.add", details={"name": name, "position": position, "public_key": row.public_key.hex()})
        return row

    def _insert_examiner(self, name: str, position: str, agency: str, unit: str) -> Examiner:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = Ed25519PrivateKey.generate()
        cur = self.conn.execute(
            "INSERT INTO examiners (name, position, agency, unit, public_key, private_key, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name.strip(), position, agency, unit, key.public_key().public_bytes_raw(), key.private_bytes_raw(), iso_utc()),
        )
        row = self.conn.execute("SELECT * FROM examiners WHERE id = ?", (cur.lastrowid,)).fetchone()
        return self.examiner_from_row(row)

    # -- writing ----------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[None]:
        """Writer lock + one IMMEDIATE transaction; rolled back on any error."""
        with self.lock:
            if self.conn.in_transaction:  # nested: join the outer transaction
                yield
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self.custody.forget_head()
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self.custody.forget_head()

    def log(
        self,
        action: str,
        *,
        case: Case | None = None,
        item: Item | None = None,
        details: dict[str, Any] | None = None,
    ) -> CustodyEntry:
        """Append a custody entry (inside the current write, or in its own)."""
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

    # -- key slots --------------------------------------------------------------
    def add_key_slot(self, passphrase: str, label: str = "") -> str:
        with self._write():
            slot = self.config.add_slot(self._master_key, passphrase, label, crypto.default_kdf_params())
            self.config.save(self.root)
            self.log("keyslot.add", details={"slot": slot.id, "label": label})
        return slot.id

    def remove_key_slot(self, slot_id: str) -> None:
        with self._write():
            slot = self.config.remove_slot(slot_id)
            self.config.save(self.root)
            self.log("keyslot.remove", details={"slot": slot.id, "label": slot.label})

    def change_passphrase(self, new_passphrase: str) -> str:
        """Replace the slot this session was unlocked with by one for the new passphrase."""
        with self._write():
            old = next(s for s in self.config.slots if s.id == self.unlocked_slot)
            slot = self.config.add_slot(self._master_key, new_passphrase, old.label, crypto.default_kdf_params())
            self.config.slots.remove(old)
            self.config.save(self.root)
            self.log("keyslot.change", details={"old_slot": old.id, "new_slot": slot.id})
            self.unlocked_slot = slot.id
        return slot.id

    # -- facts ------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        counts = {
            table: self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("cases", "items", "blobs", "custody", "examiners")
        }
        stored = self.conn.execute("SELECT coalesce(sum(cipher_size), 0) FROM blobs").fetchone()[0]
        return {
            "path": str(self.root.resolve()),
            "vault_id": self.config.vault_id,
            "format_version": self.config.version,
            "created_at": self.config.created_at,
            "cipher": self.config.cipher,
            "segment_size": self.config.segment_size,
            "sqlcipher_version": self.conn.execute("PRAGMA cipher_version").fetchone()[0],
            "key_slots": [
                {"id": s.id, "label": s.label, "created_at": s.created_at, "kdf": s.kdf.to_json(),
                 "unlocked_this_session": s.id == self.unlocked_slot}
                for s in self.config.slots
            ],
            "examiner": self.signer.name,
            "counts": counts,
            "stored_bytes": stored,
            "host": host_name(),
        }
