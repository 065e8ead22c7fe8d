"""Examiners and their key slots: who may act, and who may change whose access.

A mixin of :class:`~evidence_store.vault.Vault`. The rules:

- any examiner who is signed in may add a new examiner (the newcomer chooses
  their passphrase; their keys are made for them and sealed under it);
- an examiner may add a second passphrase for themselves, change their own,
  or remove their own slots (not the last one);
- changing or removing *another* examiner's access needs the administrator
  role, which is decided when the vault is created and is in the log;
- a removed examiner keeps whatever an old copy of ``vault.json`` opened
  before; ``vault rekey`` cuts that off (see :mod:`.rekey`).

Every change is a custody entry of its own.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import crypto
from .canonical import iso_utc
from .errors import NotFoundError, UsageError, VaultDamagedError
from .identity import ED25519
from .keyslots import SlotSecrets
from .models import Examiner

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from .custody import CustodyEntry, ExaminerKey
    from .keyslots import Unlocked, VaultConfig
    from .models import Case, Item

ROLES = ("admin", "examiner")


class Examiners:
    conn: Any
    config: VaultConfig
    root: Any
    _unlocked: Unlocked
    _vault_key: bytes
    _examiner_row: Any

    def _write(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def log(self, action: str, *, case: Case | None = None, item: Item | None = None,
            details: dict[str, Any] | None = None) -> CustodyEntry:
        raise NotImplementedError

    # -- reading ----------------------------------------------------------------
    @staticmethod
    def examiner_from_row(row: Any) -> Examiner:
        return Examiner(row["id"], row["uid"], row["name"], row["position"], row["agency"], row["unit"],
                        row["signing_alg"], bytes(row["public_key"]), row["role"], row["status"], row["created_at"],
                        json.loads(row["token"]) if row["token"] else None,
                        bytes(row["certificate"]) if row["certificate"] else None)

    def _examiner_by_uid(self, uid: str) -> Any:
        row = self.conn.execute("SELECT * FROM examiners WHERE uid = ?", (uid,)).fetchone()
        if row is None:
            raise VaultDamagedError("the examiner this key slot belongs to is not in vault.db (the examiners table "
                                    "was altered, or vault.json belongs to another vault)",
                                    message_vi="cán bộ sở hữu khe khoá này không có trong vault.db (bảng cán bộ đã bị sửa, hoặc"
                                               " vault.json thuộc kho khác)")
        if row["status"] != "active":
            raise UsageError(f"examiner {row['name']} was removed from this vault and can no longer open it",
                             message_vi=f"cán bộ {row['name']} đã bị xoá khỏi kho này và không thể mở kho nữa")
        return row

    def get_examiner(self, name: str) -> Examiner:
        row = self.conn.execute("SELECT * FROM examiners WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(f"no examiner named {name!r}",
                                message_vi=f"không có cán bộ tên {name!r}",
                                remedy="examiner_list")
        return self.examiner_from_row(row)

    def list_examiners(self) -> list[Examiner]:
        return [self.examiner_from_row(r) for r in self.conn.execute("SELECT * FROM examiners ORDER BY id")]

    def examiner_keys(self) -> dict[int, ExaminerKey]:
        from .custody import ExaminerKey

        return {r[0]: ExaminerKey(r[1], r[2], bytes(r[3]))
                for r in self.conn.execute("SELECT id, uid, signing_alg, public_key FROM examiners")}

    def key_slots(self) -> list[dict[str, Any]]:
        names = {r[0]: r[1] for r in self.conn.execute("SELECT uid, name FROM examiners")}
        return [{"id": s.id, "label": s.label, "examiner": names.get(s.examiner, "?"), "created_at": s.created_at,
                 "kdf": s.kdf.to_json(), "unlocked_this_session": s.id == self._unlocked.slot.id}
                for s in self.config.slots]

    # -- adding -------------------------------------------------------------------
    def _insert_examiner(self, uid: str, name: str, position: str, agency: str, unit: str, public_key: bytes,
                         recipient: bytes, *, role: str = "examiner", alg: str = ED25519,
                         token: dict[str, Any] | None = None, certificate: bytes | None = None) -> Examiner:
        if role not in ROLES:
            raise UsageError(f"an examiner's role is one of {', '.join(ROLES)}",
                             message_vi=f"vai trò của cán bộ là một trong {', '.join(ROLES)}")
        cur = self.conn.execute(
            "INSERT INTO examiners (uid, name, position, agency, unit, signing_alg, public_key, recipient, token,"
            " certificate, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (uid, name.strip(), position, agency, unit, alg, public_key, recipient,
             json.dumps(token, sort_keys=True) if token else None, certificate, role, iso_utc()))
        row = self.conn.execute("SELECT * FROM examiners WHERE id = ?", (cur.lastrowid,)).fetchone()
        return self.examiner_from_row(row)

    def _examiner_facts(self, examiner: Examiner, slot_id: str | None) -> dict[str, Any]:
        """What ``examiner.add`` fixes in the log: the identity verify later holds the examiners table to."""
        facts: dict[str, Any] = {
            "name": examiner.name, "uid": examiner.uid, "position": examiner.position, "role": examiner.role,
            "signing_alg": examiner.signing_alg, "public_key": examiner.public_key.hex(),
            "fingerprint": examiner.fingerprint, "slot": slot_id,
        }
        if examiner.token:
            facts["token"] = examiner.token
        if examiner.certificate:
            import hashlib

            facts["certificate_sha256"] = hashlib.sha256(examiner.certificate).hexdigest()
        return facts

    def add_examiner(self, name: str, passphrase: str, *, position: str = "", agency: str = "", unit: str = "",
                     role: str = "examiner", token: dict[str, Any] | None = None,
                     token_public_key: bytes | None = None, certificate: bytes | None = None) -> Examiner:
        """A new examiner with their own passphrase (and their own Ed25519 key, or the token key given)."""
        import uuid

        from .crypto import default_kdf_params
        from .identity import ECDSA_P256, new_ed25519

        if not name.strip():
            raise UsageError("an examiner needs a name", message_vi="cán bộ phải có họ tên")
        if role == "admin":
            self._require_admin("make another administrator")
        x_private, x_public = crypto.new_x25519()
        if token is None:
            e_private, e_public = new_ed25519()
            secrets, alg = SlotSecrets(x_private, e_private), ED25519
        else:
            if token_public_key is None:
                raise UsageError("a token examiner needs the token key's public key",
                                 message_vi="cán bộ dùng thiết bị ký số cần khoá công khai của khoá trên thiết bị")
            e_public, secrets, alg = token_public_key, SlotSecrets(x_private), ECDSA_P256
        uid = str(uuid.uuid4())
        with self._write():
            if self.conn.execute("SELECT 1 FROM examiners WHERE name = ?", (name.strip(),)).fetchone():
                raise UsageError(f"an examiner named {name.strip()!r} already exists",
                                 message_vi=f"đã có cán bộ tên {name.strip()!r}")
            examiner = self._insert_examiner(uid, name, position, agency, unit, e_public, x_public, role=role,
                                             alg=alg, token=token, certificate=certificate)
            slot = self.config.add_slot(self._vault_key, passphrase, name.strip(), default_kdf_params(),
                                        examiner=uid, secrets=secrets, recipient=x_public)
            self._seal_next_for(slot)
            self.log("examiner.add", details=self._examiner_facts(examiner, slot.id))
            self.config.save(self.root)
        return examiner

    def _seal_next_for(self, slot: Any) -> None:
        """A slot added while a rekey runs also gets the new vault key."""
        if self._unlocked.next_vault_key is not None:
            slot.next_envelope = crypto.seal_to(slot.recipient, self._unlocked.next_vault_key,
                                                self.config._envelope_aad(slot.recipient, self.config.epoch + 1))

    def add_key_slot(self, passphrase: str, label: str = "") -> str:
        """Another passphrase for the examiner signed in now (e.g. a recovery passphrase kept in a safe)."""
        from .crypto import default_kdf_params

        me = self._examiner_row
        with self._write():
            slot = self.config.add_slot(self._vault_key, passphrase, label or me["name"], default_kdf_params(),
                                        examiner=me["uid"], secrets=self._unlocked.secrets,
                                        recipient=bytes(me["recipient"]))
            self._seal_next_for(slot)
            self.log("keyslot.add", details={"slot": slot.id, "label": slot.label, "examiner": me["name"]})
            self.config.save(self.root)
        return slot.id

    def change_passphrase(self, new_passphrase: str) -> str:
        """Replace the slot this session was unlocked with by one for the new passphrase."""
        from .crypto import default_kdf_params

        me = self._examiner_row
        with self._write():
            old = self.config.slot(self._unlocked.slot.id)
            slot = self.config.add_slot(self._vault_key, new_passphrase, old.label, default_kdf_params(),
                                        examiner=me["uid"], secrets=self._unlocked.secrets,
                                        recipient=bytes(me["recipient"]))
            self._seal_next_for(slot)
            self.config.slots.remove(old)
            self.log("keyslot.change", details={"old_slot": old.id, "new_slot": slot.id, "examiner": me["name"]})
            self.config.save(self.root)
        self._unlocked = type(self._unlocked)(self._unlocked.vault_key, slot, self._unlocked.secrets,
                                              self._unlocked.next_vault_key)
        self.unlocked_slot = slot.id
        return slot.id

    # -- removing -------------------------------------------------------------------
    def remove_key_slot(self, slot_id: str) -> dict[str, Any]:
        """Remove a slot: one's own (not the last), or anyone's with the administrator role."""
        me = self._examiner_row
        with self._write():
            slot = self.config.slot(slot_id)
            if slot.examiner != me["uid"]:
                self._require_admin("remove another examiner's key slot")
            elif sum(1 for s in self.config.slots if s.examiner == me["uid"]) == 1:
                raise UsageError("this is your only key slot: add another passphrase first, or ask an "
                                 "administrator to remove you as an examiner",
                                 message_vi="đây là khe khoá duy nhất của bạn: hãy thêm một mật khẩu khác trước, hoặc nhờ quản "
                                            "trị viên xoá bạn khỏi danh sách cán bộ")
            self.config.remove_slot(slot_id)
            owner = self.conn.execute("SELECT name FROM examiners WHERE uid = ?", (slot.examiner,)).fetchone()
            self.log("keyslot.remove", details={"slot": slot.id, "label": slot.label,
                                                "examiner": owner[0] if owner else slot.examiner})
            self.config.save(self.root)
        return revocation_notice(slot.id)

    def remove_examiner(self, name: str) -> dict[str, Any]:
        """An administrator removes an examiner: their slots go and they can no longer open the vault."""
        self._require_admin("remove an examiner")
        with self._write():
            target = self.get_examiner(name)
            if target.uid == self._examiner_row["uid"]:
                raise UsageError("an administrator cannot remove themselves; another administrator can",
                                 message_vi="quản trị viên không thể tự xoá mình; một quản trị viên khác có thể làm việc này")
            if target.status != "active":
                raise UsageError(f"examiner {name} was already removed", message_vi=f"cán bộ {name} đã bị xoá trước đó")
            gone = self.config.remove_examiner_slots(target.uid)
            self.conn.execute("UPDATE examiners SET status = 'removed' WHERE id = ?", (target.id,))
            self.log("examiner.remove", details={"name": target.name, "uid": target.uid,
                                                 "slots": [s.id for s in gone], "fingerprint": target.fingerprint})
            self.config.save(self.root)
        return revocation_notice(*(s.id for s in gone))

    def _require_admin(self, what: str) -> None:
        if self._examiner_row["role"] != "admin":
            raise UsageError(f"only an administrator may {what}; {self._examiner_row['name']} is not one (the "
                             "administrator role is decided when the vault is created)",
                             message_vi=f"chỉ quản trị viên mới được {what}; {self._examiner_row['name']} không phải quản trị "
                                        "viên (vai trò quản trị được xác định khi tạo kho)")


def revocation_notice(*slots: str) -> dict[str, Any]:
    """What removing access does and does not do, said plainly (as LUKS documents for its key slots)."""
    return {
        "removed_slots": list(slots),
        "notice": ("The removed passphrase no longer opens this vault's current vault.json. A copy of vault.json "
                   "saved before the removal still opens the vault with that passphrase, including evidence added "
                   "later, until `forensics vault rekey` re-encrypts the vault under a new key."),
        "notice_vi": ("Mật khẩu đã xoá không còn mở được tệp vault.json hiện tại. Một bản sao vault.json lưu trước khi "
                      "xoá vẫn mở được kho bằng mật khẩu đó, kể cả chứng cứ thêm sau này, cho đến khi chạy "
                      "`forensics vault rekey` để mã hoá lại kho bằng khoá mới."),
        "fingerprints_unchanged": True,
    }

