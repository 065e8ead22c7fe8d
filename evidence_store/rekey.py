"""``vault rekey``: re-encrypt the whole vault under a new vault key, so a removed examiner opens nothing current.

Removing a key slot only edits ``vault.json``; someone who kept a copy of the old
file and knows the removed passphrase still opens the vault key it sealed. A
rekey makes a new vault key, seals it to every *remaining* examiner's public
recipient key (no passphrase needed), re-encrypts every blob and the database
under it, and retires the old one. It can be cancelled or killed at any point
and resumed by running it again:

1. the new key is sealed to every slot (``next_envelope`` in ``vault.json``);
2. blob by blob: decrypt and check with the old key, encrypt with the new one,
   rename into place, then one transaction swaps the blob's row (its epoch says
   which key it is under) and only then is the old file removed;
3. ``PRAGMA rekey`` re-encrypts the database in one SQLite transaction;
4. ``vault.json`` keeps only the new key. An open that finds the database
   already under the new key while ``vault.json`` still lists both finishes
   step 4 itself (:func:`finish_interrupted`).

Each blob costs one read, one write and one fsync; the whole run holds the
writer lock, so nothing else writes meanwhile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import crypto
from .canonical import iso_utc
from .errors import UsageError
from .streams import BlocksReader
from .tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

if TYPE_CHECKING:
    from .blobs import BlobStore
    from .vault import Vault


@dataclass
class RekeyResult:
    from_epoch: int
    to_epoch: int
    blobs: int
    bytes: int
    resumed: bool
    started_at: str
    finished_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def store_for(vault: Vault, key: bytes) -> BlobStore:
    from .blobs import BlobStore
    from .keyslots import dir_mode, file_mode

    permissions = vault.config.permissions
    return BlobStore(vault.root, crypto.subkey(key, "blob-encryption"), crypto.subkey(key, "blob-naming"),
                     dir_mode=dir_mode(permissions), file_mode=file_mode(permissions))


def rekey(vault: Vault, *, progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> RekeyResult:
    config = vault.config
    with vault.lock:
        resumed = config.rekey_pending
        if resumed:
            next_key = vault._unlocked.next_vault_key
            if next_key is None:
                raise UsageError("a rekey is under way but this examiner's slot has no sealed new key; an examiner "
                                 "who held a slot when it started must resume it",
                                 message_vi="việc đổi khoá đang dở nhưng khe khoá của cán bộ này không có khoá mới đã niêm "
                                            "phong; một cán bộ đã có khe khoá khi việc bắt đầu phải tiếp tục nó")
        else:
            next_key = os.urandom(crypto.KEY_SIZE)
            config.seal_next(next_key)
            config.save(vault.root)
            vault._unlocked = type(vault._unlocked)(vault._unlocked.vault_key, config.slot(vault.unlocked_slot),
                                                    vault._unlocked.secrets, next_key)
        old_epoch, new_epoch = config.epoch, config.epoch + 1
        result = RekeyResult(old_epoch, new_epoch, 0, 0, resumed, iso_utc())
        vault.log("vault.rekey_start" if not resumed else "vault.rekey_resume",
                  details={"from_epoch": old_epoch, "to_epoch": new_epoch,
                           "blobs_left": vault.blobs_under_epoch(old_epoch, count=True)})
        old_store, new_store = vault.blobs, store_for(vault, next_key)
        total = vault.blobs_under_epoch(old_epoch, count=True)
        for name in vault.blobs_under_epoch(old_epoch):
            cancel.check()
            result.bytes += _move_blob(vault, name, old_store, new_store, new_epoch)
            result.blobs += 1
            progress(result.blobs, total, name[:12])
        cancel.check()
        from .profiles import LoginProfiles

        with vault._write():
            profiles = LoginProfiles(vault).reseal(next_key)
            vault.custody.append(vault.signer, "vault.rekey", details={
                "from_epoch": old_epoch, "to_epoch": new_epoch, "blobs": result.blobs, "bytes": result.bytes,
                "login_profiles": profiles})
        vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        vault.conn.execute(f"PRAGMA rekey = \"x'{crypto.subkey(next_key, 'sqlcipher').hex()}'\"")
        # every page is now in the WAL under the new key; write them back so no page of the main file is
        # left under the old one (a crash before this is replayed from the WAL, all under the new key)
        vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _retire_old_key(vault, next_key)
    result.finished_at = iso_utc()
    vault.checkpoint()
    return result


def _move_blob(vault: Vault, name: str, old: BlobStore, new: BlobStore, epoch: int) -> int:
    """Re-encrypt one blob under the new key; its row moves in one transaction; the old file goes last."""
    row = vault.blob_row(name)
    ingested = new.ingest(BlocksReader(old.read_plaintext(name)), total=row["size"], label=name[:12],  # type: ignore[arg-type]
                          segment_size=vault.config.segment_size)
    if (ingested.hashes["sha256"], ingested.hashes["blake3"], ingested.size) != (row["sha256"], row["blake3"],
                                                                               row["size"]):
        new.discard(ingested)
        from .errors import IntegrityError

        raise IntegrityError(f"blob {name[:16]}… decrypted to content other than recorded; rekey stopped before it",
                             message_vi=f"khối dữ liệu {name[:16]}… giải mã ra nội dung khác với nội dung đã ghi; việc đổi khoá"
                                        " dừng trước khối này")
    new_name = new.commit(ingested)
    try:
        vault.replace_blob(name, new_name, new.dedupe_key(row["sha256"], row["blake3"]), ingested.cipher_size, epoch)
    except BaseException:
        new.path_for(new_name).unlink(missing_ok=True)
        raise
    old.path_for(name).unlink(missing_ok=True)
    return int(row["size"])


def _retire_old_key(vault: Vault, next_key: bytes) -> None:
    vault.config.finish_rekey()
    vault.config.save(vault.root)
    vault._vault_key = next_key
    vault._unlocked = type(vault._unlocked)(next_key, vault.config.slot(vault.unlocked_slot), vault._unlocked.secrets)
    vault.__dict__.pop("blobs", None)  # the blob store is made again with the new key


def finish_interrupted(vault: Vault) -> None:
    """The database is already under the new key but ``vault.json`` still lists both: finish the last step."""
    assert vault._unlocked.next_vault_key is not None
    _retire_old_key(vault, vault._unlocked.next_vault_key)
