"""Reading and changing the vault's records: settings, examiners, cases, items.

A mixin of :class:`~evidence_store.vault.Vault`; kept apart so each file has one
job. Every change is logged through ``self.log`` in the same transaction.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .canonical import canonical_json, iso_utc
from .errors import IntegrityError, NotFoundError, UsageError, VaultError, bilingual
from .models import Case, Examiner, Item, ItemWarning
from .naming import safe_filename

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from .batch import Batch
    from .custody import CustodyEntry
    from .identity import Signer


class Records:
    conn: Any
    blobs: Any

    # Provided by Vault and Examiners; declared here so each part type-checks alone.
    @property
    def signer(self) -> Signer:
        raise NotImplementedError

    @property
    def examiner(self) -> Examiner:
        raise NotImplementedError

    def get_examiner(self, name: str) -> Examiner:
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def log(self, action: str, *, case: Case | None = None, item: Item | None = None,
            details: dict[str, Any] | None = None) -> CustodyEntry:
        raise NotImplementedError

    # -- settings ---------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def settings(self) -> dict[str, Any]:
        return {row[0]: json.loads(row[1]) for row in self.conn.execute("SELECT key, value FROM settings ORDER BY key")}

    def set_setting(self, key: str, value: Any) -> None:
        if not key or not key.replace("_", "").replace(".", "").isalnum():
            raise UsageError(f"invalid setting name {key!r}", message_vi=f"tên cài đặt không hợp lệ {key!r}")
        with self._write():
            old = self.get_setting(key)
            self.conn.execute(
                "INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, canonical_json(value).decode("utf-8"))
            )
            self.log("settings.change", details={"key": key, "old": old, "new": value})

    # -- cases ------------------------------------------------------------------
    def create_case(self, number: str, title: str, *, description: str = "", agency: str = "",
                    unit: str = "", examiner: str | None = None) -> Case:
        number, title = number.strip(), title.strip()
        if not number or not title:
            raise UsageError("a case needs a number and a title", message_vi="vụ việc cần có số và tên")
        with self._write():
            if self.conn.execute("SELECT 1 FROM cases WHERE number = ?", (number,)).fetchone():
                raise UsageError(f"a case numbered {number!r} already exists", message_vi=f"đã có vụ việc số {number!r}")
            lead = self.get_examiner(examiner) if examiner else self.examiner
            import uuid  # here, not at the top: opening a vault to read it does not load it
            cur = self.conn.execute(
                "INSERT INTO cases (uid, number, title, description, agency, unit, examiner_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (str(uuid.uuid4()), number, title, description, agency or self.get_setting("agency", ""),
                 unit or self.get_setting("unit", ""), lead.id, iso_utc()),
            )
            case = self.get_case(int(cur.lastrowid))
            self.log("case.create", case=case, details=_case_details(case))
        return case

    def _case_from_row(self, row: Any) -> Case:
        examiner = self.conn.execute("SELECT name FROM examiners WHERE id = ?", (row["examiner_id"],)).fetchone()
        return Case(row["id"], row["uid"], row["number"], row["title"], row["description"], row["agency"],
                    row["unit"], examiner[0] if examiner else "", row["status"], row["created_at"], row["closed_at"])

    def get_case(self, ref: int | str) -> Case:
        """Find a case by id, number or uid."""
        text = str(ref).strip()
        row = self.conn.execute("SELECT * FROM cases WHERE number = ? OR uid = ?", (text, text)).fetchone()
        if row is None and text.isdigit() and int(text) < 1 << 63:
            row = self.conn.execute("SELECT * FROM cases WHERE id = ?", (int(text),)).fetchone()
        if row is None:
            raise NotFoundError(f"no case {text!r} in this vault",
                                message_vi=f"không có vụ việc {text!r} trong kho này",
                                remedy="case_list")
        return self._case_from_row(row)

    def list_cases(self) -> list[Case]:
        return [self._case_from_row(r) for r in self.conn.execute("SELECT * FROM cases ORDER BY id")]

    def update_case(self, ref: int | str, **changes: str) -> Case:
        allowed = {"title", "description", "agency", "unit"}
        if set(changes) - allowed:
            raise UsageError(f"only {', '.join(sorted(allowed))} of a case can be changed",
                             message_vi=f"chỉ thay đổi được {', '.join(sorted(allowed))} của vụ việc")
        with self._write():
            case = self.get_case(ref)
            for key, value in changes.items():
                self.conn.execute(f"UPDATE cases SET {key} = ? WHERE id = ?", (value, case.id))
            updated = self.get_case(case.id)
            self.log("case.update", case=updated, details={"changes": changes})
        return updated

    def set_case_status(self, ref: int | str, status: str) -> Case:
        if status not in ("open", "closed"):
            raise UsageError("a case is either open or closed", message_vi="vụ việc chỉ có thể đang mở hoặc đã đóng")
        with self._write():
            case = self.get_case(ref)
            closed_at = iso_utc() if status == "closed" else None
            self.conn.execute("UPDATE cases SET status = ?, closed_at = ? WHERE id = ?", (status, closed_at, case.id))
            updated = self.get_case(case.id)
            self.log("case.close" if status == "closed" else "case.reopen", case=updated)
        return updated

    # -- items ------------------------------------------------------------------
    def _item_from_row(self, row: Any) -> Item:
        examiner = self.conn.execute("SELECT name FROM examiners WHERE id = ?", (row["examiner_id"],)).fetchone()
        return Item.from_row(row, examiner[0] if examiner else "")

    def get_item(self, item_id: int | str) -> Item:
        text = str(item_id).strip()
        row = None
        if text.isdigit() and int(text) < 1 << 63:  # SQLite integers are 64-bit: a larger id names no item
            row = self.conn.execute("SELECT * FROM items WHERE id = ?", (int(text),)).fetchone()
        if row is None:
            row = self.conn.execute("SELECT * FROM items WHERE uid = ?", (text,)).fetchone()
        if row is None:
            raise NotFoundError(f"no item {text[:40]!r} in this vault",
                                message_vi=f"không có mục chứng cứ {text[:40]!r} trong kho này",
                                remedy="item_list")
        return self._item_from_row(row)

    def list_items(self, case_id: int | None = None, *, parent_id: int | None = None,
                   roots_only: bool = False, kind: str | None = None) -> list[Item]:
        sql, args = "SELECT * FROM items WHERE 1=1", list[Any]()
        if case_id is not None:
            sql += " AND case_id = ?"
            args.append(case_id)
        if parent_id is not None:
            sql += " AND parent_id = ?"
            args.append(parent_id)
        elif roots_only:
            sql += " AND parent_id IS NULL"
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        return [self._item_from_row(r) for r in self.conn.execute(sql + " ORDER BY id", args)]

    def amend_item(self, item_id: int, *, reason: str, metadata: dict[str, Any] | None = None,
                   add_warnings: tuple[ItemWarning, ...] | list[ItemWarning] = ()) -> Item:
        """Add metadata keys or warnings to an item after acquisition: an ``item.amend`` entry fixes the new
        whole record (verify then holds the item to it) and says why and what changed."""
        from .batch import _json_ready
        from .item_record import record_facts, row_dict

        if not reason.strip():
            raise UsageError("say why the item is amended", message_vi="hãy nêu lý do bổ sung mục chứng cứ")
        with self._write():
            item = self.get_item(item_id)
            self.get_case(item.case_id).require_open("amending its items", "bổ sung các mục của nó")
            meta = {**item.metadata, **_json_ready(metadata or {})}
            warnings = [w.to_json() for w in item.warnings] + [w.to_json() for w in add_warnings]
            self.conn.execute("UPDATE items SET metadata = ?, warnings = ? WHERE id = ?",
                              (json.dumps(meta, ensure_ascii=False), json.dumps(warnings, ensure_ascii=False), item.id))
            row = self.conn.execute("SELECT * FROM items WHERE id = ?", (item.id,)).fetchone()
            amended = self._item_from_row(row)
            self.log("item.amend", item=amended, details={
                "reason": reason, "metadata_keys": sorted(metadata or {}),
                "warnings_added": [w.code for w in add_warnings], **record_facts(row_dict(row))})
        return amended

    def batch(self, case: Case | int | str, *, sync_each: bool = True) -> Batch:
        from .batch import Batch  # ingest code, loaded when something is added (not to open or show a vault)

        return Batch(self, case if isinstance(case, Case) else self.get_case(case),  # type: ignore[arg-type]
                     sync_each=sync_each)

    def read_item(self, item: Item) -> Iterator[bytes]:
        """Decrypted content, segment by segment (authenticity checked on the way)."""
        if item.blob is None:
            raise UsageError(f"item {item.id} ({item.kind}) has no content of its own",
                             message_vi=f"mục {item.id} ({item.kind}) không có nội dung riêng")
        return self.store_of(item.blob).read_plaintext(item.blob)  # type: ignore[no-any-return]

    # -- blob storage ------------------------------------------------------------------
    def store_of(self, blob: str) -> Any:
        """The blob store whose key opens ``blob``: the vault's, or the new one for blobs a running rekey moved."""
        config = self.config  # type: ignore[attr-defined]
        if config.rekey_pending:
            row = self.conn.execute("SELECT key_epoch FROM blobs WHERE name = ?", (blob,)).fetchone()
            next_key = self._unlocked.next_vault_key  # type: ignore[attr-defined]
            if row is not None and row[0] == config.epoch + 1 and next_key is not None:
                from .rekey import store_for

                return store_for(self, next_key)  # type: ignore[arg-type]
        return self.blobs

    def blob_names(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT name FROM blobs")}

    def blob_row(self, name: str) -> dict[str, Any]:
        row = self.conn.execute("SELECT * FROM blobs WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(f"no blob {name[:16]}… in this vault",
                                message_vi=f"không có khối dữ liệu {name[:16]}… trong kho này")
        return dict(row)

    def blobs_under_epoch(self, epoch: int, *, count: bool = False) -> Any:
        """Names of the blobs still under the key of ``epoch`` (or how many)."""
        if count:
            return int(self.conn.execute("SELECT count(*) FROM blobs WHERE key_epoch = ?", (epoch,)).fetchone()[0])
        return [r[0] for r in self.conn.execute("SELECT name FROM blobs WHERE key_epoch = ? ORDER BY name", (epoch,))]

    def replace_blob(self, old: str, new: str, dedupe_key: str, cipher_size: int, epoch: int) -> None:
        """Point everything at ``new`` (the same content under another key) instead of ``old``, in one transaction."""
        from .blobs import NAME_HASH  # the rekeyed blob was just written, so named as new blobs are

        with self._write():
            row = self.blob_row(old)
            self.conn.execute(
                "INSERT INTO blobs (name, dedupe_key, size, cipher_size, sha256, blake3, created_at, key_epoch, name_hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new, dedupe_key, row["size"], cipher_size, row["sha256"], row["blake3"], row["created_at"], epoch,
                 NAME_HASH))
            self.conn.execute("UPDATE items SET blob_name = ? WHERE blob_name = ?", (new, old))
            self.conn.execute("DELETE FROM blobs WHERE name = ?", (old,))

    def record_view(self, item: Item, purpose: str = "display") -> None:
        self.log("item.view", item=item, details={"purpose": purpose})

    def export_item(self, item: Item, out_dir: Path, filename: str | None = None, *, purpose: str = "export") -> Path:
        """Write the plaintext, checking SHA-256 and BLAKE3 on the way out; logged."""
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot write to {out_dir}: {exc.strerror or exc}",
                             message_vi=f"không ghi được vào {out_dir}: {bilingual(exc)[1]}") from exc
        target = out_dir / safe_filename(filename or item.name, fallback=f"item-{item.id}")
        if target.exists():
            raise UsageError(f"{target} already exists; choose another output directory",
                             message_vi=f"{target} đã tồn tại; hãy chọn thư mục xuất khác")
        import tempfile  # here, not at the top: opening a vault to read it does not load them

        from .hashing import MultiHasher

        hasher = MultiHasher(("sha256", "blake3"))

        fd, temp = tempfile.mkstemp(prefix=".export-", dir=out_dir)
        try:
            with os.fdopen(fd, "wb") as out:
                for block in self.read_item(item):
                    hasher.update(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            digests = hasher.hexdigests()
            if digests["sha256"] != item.sha256 or digests["blake3"] != item.blake3:
                raise IntegrityError(f"item {item.id}: exported content does not match its recorded hashes",
                                     message_vi=f"mục {item.id}: nội dung xuất ra không khớp với giá trị băm đã ghi")
            os.replace(temp, target)
        except BaseException as exc:
            Path(temp).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise VaultError(f"cannot write {target}: {exc.strerror or exc}",
                                 message_vi=f"không ghi được {target}: {bilingual(exc)[1]}") from exc
            raise
        self.log("item.export", item=item, details={"purpose": purpose, "destination": str(target.resolve()),
                                                    "sha256": digests["sha256"], "blake3": digests["blake3"]})
        return target


def _case_details(case: Case) -> dict[str, Any]:
    return {"number": case.number, "title": case.title, "agency": case.agency, "unit": case.unit,
            "examiner": case.examiner}
