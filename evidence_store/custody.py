"""The tamper-evident custody log.

Every action on evidence appends one entry: canonical JSON with the UTC time, the
examiner, the action, the case and item, details, and the leaf hash of the
previous entry. Each entry is signed with the examiner's Ed25519 key and is a
leaf of an RFC 6962 Merkle tree, so a signed checkpoint (tree size + root) and an
inclusion proof show, without the vault key, that an entry was logged.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from . import merkle
from .canonical import canonical_json, iso_utc
from .checkpoint import Checkpoint, verifier_key
from .models import Problem, Signer

GENESIS = "0" * 64
ENTRY_VERSION = 1


@dataclass(frozen=True)
class CustodyEntry:
    seq: int
    entry: bytes
    leaf_hash: str
    signature: str

    @property
    def record(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.entry)
        return data

    def to_json(self) -> dict[str, Any]:
        return {**self.record, "leaf_hash": self.leaf_hash, "signature": self.signature}


def _ref(ident: int | None, uid: str | None) -> dict[str, Any] | None:
    return None if ident is None else {"id": ident, "uid": uid}


class CustodyLog:
    def __init__(self, conn: Any, origin: str) -> None:
        self._conn = conn
        self.origin = origin
        self._head: tuple[int, str] | None = None  # (seq, leaf) of the last entry, inside a write

    def forget_head(self) -> None:
        """Called when a write transaction starts or ends: the cached head is only valid inside one."""
        self._head = None

    def key_name(self, signer: Signer) -> str:
        return f"{self.origin}/examiner/{signer.examiner_id}"

    def append(
        self,
        signer: Signer,
        action: str,
        *,
        case: tuple[int, str] | None = None,
        item: tuple[int, str] | None = None,
        details: dict[str, Any] | None = None,
        time: str | None = None,
    ) -> CustodyEntry:
        """Append one entry; the caller holds the write transaction."""
        return self.append_many(signer, [(action, case, item, details)], time=time)[0]

    def append_many(
        self,
        signer: Signer,
        actions: list[tuple[str, tuple[int, str] | None, tuple[int, str] | None, dict[str, Any] | None]],
        *,
        time: str | None = None,
    ) -> list[CustodyEntry]:
        """Append one signed entry per (action, case, item, details), in order, with one insert.

        The caller holds the write transaction. Each entry is chained to the one
        before it and signed on its own, exactly as if appended one at a time.
        """
        last = self._head or self._conn.execute("SELECT seq, leaf_hash FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (0, GENESIS) if last is None else (last[0] + 1, last[1])
        examiner = {"id": signer.examiner_id, "name": signer.name}
        made, rows = [], []
        for action, case, item, details in actions:
            record = {
                "v": ENTRY_VERSION, "seq": seq, "time": time or iso_utc(), "examiner": examiner, "action": action,
                "case": _ref(*case) if case else None, "item": _ref(*item) if item else None,
                "details": details or {}, "prev": prev,
            }
            entry = canonical_json(record)
            leaf = merkle.leaf_hash(entry).hex()
            signature = base64.b64encode(signer.private_key.sign(entry)).decode("ascii")
            rows.append((seq, entry.decode("utf-8"), leaf, signature, record["time"], action, signer.examiner_id,
                         case[0] if case else None, item[0] if item else None))
            made.append(CustodyEntry(seq, entry, leaf, signature))
            seq, prev = seq + 1, leaf
        self._conn.executemany(
            "INSERT INTO custody (seq, entry, leaf_hash, signature, time, action, examiner_id, case_id, item_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        if made:
            self._head = (made[-1].seq, made[-1].leaf_hash)
        return made

    def entries(self, case_id: int | None = None, item_id: int | None = None) -> list[CustodyEntry]:
        sql = "SELECT seq, entry, leaf_hash, signature FROM custody"
        args: tuple[Any, ...] = ()
        if item_id is not None:
            sql += " WHERE item_id = ?"
            args = (item_id,)
        elif case_id is not None:
            sql += " WHERE case_id = ?"
            args = (case_id,)
        rows = self._conn.execute(sql + " ORDER BY seq", args).fetchall()
        return [CustodyEntry(r[0], r[1].encode("utf-8"), r[2], r[3]) for r in rows]

    def size(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM custody").fetchone()[0])

    def leaf_hashes(self, limit: int | None = None) -> list[bytes]:
        sql = "SELECT leaf_hash FROM custody ORDER BY seq"
        rows = self._conn.execute(sql + (f" LIMIT {int(limit)}" if limit is not None else "")).fetchall()
        return [bytes.fromhex(r[0]) for r in rows]

    def checkpoint(self, signer: Signer) -> tuple[str, str]:
        """Sign and store a checkpoint of the whole log; returns (note, verifier key)."""
        leaves = self.leaf_hashes()
        point = Checkpoint(self.origin, len(leaves), merkle.root_hash(leaves), (f"time {iso_utc()}",))
        name = self.key_name(signer)
        note = point.sign(name, signer.private_key)
        self._conn.execute(
            "INSERT INTO checkpoints (size, root, text, examiner_id, created_at) VALUES (?, ?, ?, ?, ?)",
            (point.size, point.root.hex(), note, signer.examiner_id, iso_utc()),
        )
        return note, verifier_key(name, signer.public_key)

    def inclusion(self, seq: int, size: int) -> list[str]:
        leaves = self.leaf_hashes(size)
        return [h.hex() for h in merkle.inclusion_proof(seq, leaves)]

    # -- checking ---------------------------------------------------------------
    def check(self, public_keys: dict[int, bytes]) -> list[Problem]:
        """Re-compute the whole chain; return every break, each against its item."""
        problems: list[Problem] = []
        previous, expected = GENESIS, 0
        leaves: list[bytes] = []
        rows = self._conn.execute(
            "SELECT seq, entry, leaf_hash, signature, examiner_id, item_id, case_id, action FROM custody ORDER BY seq"
        ).fetchall()
        for seq, entry_text, stored_leaf, signature, examiner_id, item_id, case_id, action in rows:
            entry = entry_text.encode("utf-8")
            leaves.append(merkle.leaf_hash(entry))
            found = []
            if seq != expected:
                found.append(("custody_gap", f"custody log entries {expected}..{seq - 1} are missing"))
            found += _entry_problems(seq, entry, stored_leaf, previous, item_id, action)
            found += _signature_problems(seq, entry, signature, public_keys.get(examiner_id), examiner_id)
            problems += [Problem(code, message, custody_seq=seq, item_id=item_id, case_id=case_id)
                         for code, message in found]
            previous, expected = stored_leaf, seq + 1
        problems.extend(self._check_checkpoints(leaves))
        return problems

    def _check_checkpoints(self, leaves: list[bytes]) -> list[Problem]:
        problems = []
        for size, root in self._conn.execute("SELECT size, root FROM checkpoints ORDER BY id").fetchall():
            if size > len(leaves):
                message = f"a checkpoint covered {size} entries but the log has only {len(leaves)}"
                problems.append(Problem("custody_truncated", message))
            elif merkle.root_hash(leaves[:size]).hex() != root:
                message = f"the first {size} entries no longer match the checkpoint taken of them"
                problems.append(Problem("custody_rewritten", message))
        return problems


def _parse(entry: bytes) -> dict[str, Any]:
    try:
        record = json.loads(entry)
    except json.JSONDecodeError:
        return {}
    return record if isinstance(record, dict) else {}


def _entry_problems(seq: int, entry: bytes, stored_leaf: str, previous: str, item_id: int | None,
                    action: str) -> list[tuple[str, str]]:
    record = _parse(entry)
    if not record:
        return [("custody_unreadable", f"custody entry {seq} is not a valid record")]
    found = []
    if merkle.leaf_hash(entry).hex() != stored_leaf:
        found.append(("custody_altered", f"custody entry {seq} was altered (its hash changed)"))
    if record.get("seq") != seq:
        found.append(("custody_reordered", f"custody entry {seq} claims position {record.get('seq')}: entries were moved"))
    if record.get("prev") != previous:
        found.append(("custody_chain_broken", f"custody entry {seq} does not follow the entry before it"))
    if (record.get("item") or {}).get("id") != item_id or record.get("action") != action:
        found.append(("custody_index_mismatch", f"custody entry {seq}: its columns disagree with its text"))
    return found


def _signature_problems(seq: int, entry: bytes, signature: str, public: bytes | None,
                        examiner_id: int) -> list[tuple[str, str]]:
    if public is None:
        return [("custody_unknown_examiner", f"custody entry {seq} names examiner {examiner_id}, who is not in the vault")]
    if (_parse(entry).get("examiner") or {}).get("id") != examiner_id:
        return [("custody_index_mismatch", f"custody entry {seq}: its examiner column disagrees with its text")]
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public).verify(base64.b64decode(signature), entry)
    except (InvalidSignature, ValueError):
        return [("custody_bad_signature", f"custody entry {seq} has an invalid signature")]
    return []
