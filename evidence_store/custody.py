"""The tamper-evident custody log.

Every action on evidence appends one entry: canonical JSON with the UTC time, the
examiner and the key they sign with (algorithm and fingerprint), the action, the
case and item, details, and the leaf hash of the previous entry. Entries are the
leaves of an RFC 6962 Merkle tree whose aligned nodes are stored beside them, so
checkpoints and proofs cost O(log n).

Signatures: the entries one examiner appends in one transaction (an acquisition
of 100,000 extracted files is one) are signed once, on the last entry, which
``covers`` the ones before it: it names their first position, their count and
the RFC 6962 root of their leaf hashes. So one signature vouches for the whole
group, and any one entry of it is shown to be covered by an O(log n) inclusion
proof against that root (packages carry it). Verify recomputes every cover.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import merkle
from .canonical import canonical_json, canonical_object, iso_utc
from .checkpoint import Checkpoint, checkpoint_root, verifier_key, verify_checkpoint
from .identity import decode_signature, encode_signature, fingerprint, verify_signature
from .models import Problem

if TYPE_CHECKING:
    from .identity import Signer

GENESIS = "0" * 64
_MISSING = bytes(32)  # stands in for a node a gap in the log left out (the gap itself is reported)
ENTRY_VERSION = 2

# details: a dict, or its canonical JSON already encoded (see item_record.PreparedRecord)
Action = tuple[str, "tuple[int, str] | None", "tuple[int, str] | None", "dict[str, Any] | bytes | None"]


@dataclass(frozen=True)
class CustodyEntry:
    seq: int
    entry: bytes
    leaf_hash: str
    signature: str  # "" when covered by a later entry's signature (see the module's docstring)

    @property
    def record(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.entry)
        return data

    def to_json(self) -> dict[str, Any]:
        return {**self.record, "leaf_hash": self.leaf_hash, "signature": self.signature}


@dataclass(frozen=True)
class ExaminerKey:
    """What verify needs to check an examiner's entries: their uid, algorithm and public key."""

    uid: str
    alg: str
    public_key: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.alg, self.public_key)




def _ref_json(ref: tuple[int, str] | None) -> bytes:
    """The canonical JSON of a case or item reference ({"id", "uid"}, or null), written out: an extraction
    writes two per entry, for a hundred thousand entries."""
    if not ref or ref[0] is None:
        return b"null"
    return b'{"id":' + int.__repr__(ref[0]).encode("ascii") + b',"uid":' + canonical_json(ref[1]) + b"}"


class CustodyLog:
    def __init__(self, conn: Any, vault_id: str) -> None:
        self._conn = conn
        self.vault_id = vault_id
        self.origin = f"forensics.vault/{vault_id}"
        self._head: tuple[int, str] | None = None  # (seq, leaf) of the last entry, inside a write
        self.appended = 0  # entries this connection appended (a session that wrote is witnessed at close)

    def forget_head(self) -> None:
        """Called when a write transaction starts or ends: the cached head is only valid inside one."""
        self._head = None

    def key_name(self, examiner_uid: str) -> str:
        """The examiner's name in signed notes: short, so a checkpoint's signature line fits a printed page."""
        return f"forensics/{self.vault_id[:8]}/{examiner_uid[:8]}"

    def verifier_key(self, examiner_uid: str, alg: str, public_key: bytes) -> str:
        return verifier_key(self.key_name(examiner_uid), public_key, alg)

    # -- appending ----------------------------------------------------------------
    def append(self, signer: Signer, action: str, *, case: tuple[int, str] | None = None,
               item: tuple[int, str] | None = None, details: dict[str, Any] | None = None) -> CustodyEntry:
        """Append one entry; the caller holds the write transaction."""
        return self.append_many(signer, [(action, case, item, details)])[0]

    def append_many(self, signer: Signer, actions: Sequence[Action], *, time: str | None = None) -> list[CustodyEntry]:
        """Append one entry per (action, case, item, details), in order, signing the last one.

        The caller holds the write transaction; one insert per table.
        """
        if not actions:
            return []
        last = self._head or self._conn.execute("SELECT seq, leaf_hash FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (0, GENESIS) if last is None else (last[0] + 1, last[1])
        when = time or iso_utc()
        # The entry is the canonical JSON of an object whose values are encoded one by one (the same bytes as
        # encoding it whole), so what every entry of a group shares is encoded once, and details may come encoded.
        shared = {"v": canonical_json(ENTRY_VERSION), "time": canonical_json(when),
                  "examiner": canonical_json({"id": signer.examiner_id, "uid": signer.uid, "name": signer.name}),
                  "key": canonical_json({"alg": signer.alg, "fingerprint": fingerprint(signer.alg, signer.public_key)})}
        made: list[CustodyEntry] = []
        rows: list[tuple[Any, ...]] = []
        nodes: dict[tuple[int, int], bytes] = {}
        first, group_leaves = seq, list[bytes]()
        # every entry but a group's last has the same keys: its bytes are the template's pieces and its own values
        # (the keys in canonical order: action, case, details, examiner, item, key, prev, seq, time, v)
        after_details = b',"examiner":' + shared["examiner"] + b',"item":'
        after_item = b',"key":' + shared["key"] + b',"prev":"'
        closing = b',"time":' + shared["time"] + b',"v":' + shared["v"] + b"}"
        encoded_actions: dict[str, bytes] = {}
        encoded_cases: dict[Any, bytes] = {}
        get = nodes.get
        count = len(actions)
        for position, (action, case, item, details) in enumerate(actions):
            action_json = encoded_actions.get(action) or encoded_actions.setdefault(action, canonical_json(action))
            case_json = encoded_cases.get(case) or encoded_cases.setdefault(case, _ref_json(case))
            details_json = details if isinstance(details, bytes) else canonical_json(details or {})
            seq_json = int.__repr__(seq).encode("ascii")
            last = position == count - 1
            if last and group_leaves:
                parts = {**shared, "seq": seq_json, "action": action_json, "case": case_json, "item": _ref_json(item),
                         "details": details_json, "prev": b'"' + prev.encode("ascii") + b'"',
                         "covers": canonical_json({"first": first, "count": len(group_leaves),
                                                   "root": merkle.root_hash(group_leaves).hex()})}
                entry = canonical_object(parts)
            else:
                entry = b"".join((b'{"action":', action_json, b',"case":', case_json, b',"details":', details_json,
                                  after_details, _ref_json(item), after_item, prev.encode("ascii"), b'","seq":',
                                  seq_json, closing))
            leaf = merkle.leaf_hash(entry)
            leaf_hex = leaf.hex()
            signature = encode_signature(signer.sign(entry)) if last else ""
            rows.append((seq, entry.decode("utf-8"), leaf_hex, signature, when, action, signer.examiner_id,
                         case[0] if case else None, item[0] if item else None))
            made.append(CustodyEntry(seq, entry, leaf_hex, signature))
            group_leaves.append(leaf)
            for level, idx, value in merkle.new_nodes(seq, leaf, lambda lv, i: get((lv, i)) or self._node(lv, i)):
                nodes[(level, idx)] = value
            seq, prev = seq + 1, leaf_hex
        self._conn.executemany(
            "INSERT INTO custody (seq, entry, leaf_hash, signature, time, action, examiner_id, case_id, item_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self._conn.executemany("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)",
                               [(level, idx, value) for (level, idx), value in nodes.items()])
        self._head = (made[-1].seq, made[-1].leaf_hash)
        self.appended += len(made)
        return made

    # -- reading ------------------------------------------------------------------
    def _node(self, level: int, idx: int) -> bytes:
        row = self._conn.execute("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?", (level, idx)).fetchone()
        if row is None:
            from .errors import VaultDamagedError

            raise VaultDamagedError(f"the custody log's Merkle node ({level}, {idx}) is missing",
                                    message_vi=f"nút Merkle ({level}, {idx}) của nhật ký lưu giữ chứng cứ bị thiếu",
                                    remedy="vault_verify")
        return bytes(row[0])

    def tree(self, size: int | None = None) -> merkle.Tree:
        """The log's Merkle tree at ``size`` (default: now), read from the stored nodes."""
        return merkle.Tree(self.size() if size is None else size, self._node)

    def size(self) -> int:
        row = self._conn.execute("SELECT max(seq) FROM custody").fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    def entries(self, case_id: int | None = None, item_id: int | None = None,
                seqs: Iterable[int] | None = None) -> list[CustodyEntry]:
        """Entries about an item, a case, a set of positions, or all, in log order."""
        sql = "SELECT seq, entry, leaf_hash, signature FROM custody"
        if seqs is not None:
            wanted = sorted(set(seqs))
            found: list[CustodyEntry] = []
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                found += self._entries(f"{sql} WHERE seq IN ({','.join('?' * len(chunk))}) ORDER BY seq", chunk)
            return found
        if item_id is not None:
            return self._entries(sql + " WHERE item_id = ? ORDER BY seq", (item_id,))
        if case_id is not None:
            return self._entries(sql + " WHERE case_id = ? ORDER BY seq", (case_id,))
        return self._entries(sql + " ORDER BY seq", ())

    def page(self, offset: int, limit: int, case_id: int | None = None) -> list[CustodyEntry]:
        """A window of the log (newest last), for tables that scroll."""
        where = "" if case_id is None else " WHERE case_id = ?"
        args: tuple[Any, ...] = () if case_id is None else (case_id,)
        return self._entries(f"SELECT seq, entry, leaf_hash, signature FROM custody{where} ORDER BY seq LIMIT ? OFFSET ?",
                             (*args, max(limit, 0), max(offset, 0)))

    def count(self, case_id: int | None = None) -> int:
        if case_id is None:
            return self.size()
        return int(self._conn.execute("SELECT count(*) FROM custody WHERE case_id = ?", (case_id,)).fetchone()[0])

    def _entries(self, sql: str, args: Sequence[Any]) -> list[CustodyEntry]:
        return [CustodyEntry(r[0], r[1].encode("utf-8"), r[2], r[3]) for r in self._conn.execute(sql, args)]

    def cover(self, entry: CustodyEntry) -> dict[str, Any] | None:
        """For an entry without a signature of its own: the signed entry that covers it, and its audit path in
        that entry's group (``None`` for a signed entry)."""
        if entry.signature:
            return None
        row = self._conn.execute("SELECT seq, entry, signature FROM custody WHERE seq > ? AND signature != ''"
                                 " ORDER BY seq LIMIT 1", (entry.seq,)).fetchone()
        if row is None:
            return {"entry": "", "signature": "", "audit_path": []}
        covers = (_parse(row[1].encode("utf-8")).get("covers") or {})
        first, count = int(covers.get("first", -1)), int(covers.get("count", 0))
        if not first <= entry.seq < first + count:
            return {"entry": row[1], "signature": row[2], "audit_path": []}
        leaves = [bytes.fromhex(r[0]) for r in self._conn.execute(
            "SELECT leaf_hash FROM custody WHERE seq >= ? AND seq < ? ORDER BY seq", (first, first + count))]
        path = merkle.inclusion_proof(entry.seq - first, leaves)
        return {"entry": row[1], "signature": row[2], "audit_path": [h.hex() for h in path]}

    def proof_bundle(self, seqs: Iterable[int], checkpoint: dict[str, Any],
                     keys: dict[int, ExaminerKey]) -> dict[str, Any]:
        """Inclusion proofs of the entries at ``seqs`` against a stored checkpoint, each with what covers its
        signature, and the public keys they name (``evidence_store.verify_bundle`` checks all of it)."""
        size = int(checkpoint["size"])
        tree = self.tree(size)
        wanted = sorted({s for s in seqs if s < size})
        proofs, named = [], set()
        for entry in self.entries(seqs=wanted):
            record = entry.record
            named.add((record.get("examiner") or {}).get("id"))
            proof = {"index": entry.seq, "action": record.get("action"), "entry": entry.entry.decode("utf-8"),
                     "signature": entry.signature, "audit_path": [h.hex() for h in tree.inclusion_proof(entry.seq)]}
            cover = self.cover(entry)
            if cover is not None:
                proof["cover"] = cover
            proofs.append(proof)
        from .identity import public_key_json

        return {"checkpoint": checkpoint["checkpoint"], "verifier_key": checkpoint["verifier_key"],
                "keys": [public_key_json(keys[i].alg, keys[i].public_key) for i in sorted(n for n in named if n in keys)],
                "proofs": proofs}

    def leaf_hashes(self, limit: int | None = None) -> list[bytes]:
        sql = "SELECT leaf_hash FROM custody ORDER BY seq"
        rows = self._conn.execute(sql + (f" LIMIT {int(limit)}" if limit is not None else "")).fetchall()
        return [bytes.fromhex(r[0]) for r in rows]

    # -- checkpoints ----------------------------------------------------------------
    def checkpoint(self, signer: Signer) -> tuple[str, str]:
        """Sign and store a checkpoint of the whole log; returns (note, verifier key). The caller holds the write."""
        tree = self.tree()
        point = Checkpoint(self.origin, tree.size, tree.root(), (f"time {iso_utc()}",))
        note = point.sign(self.key_name(signer.uid), signer)
        self._conn.execute(
            "INSERT INTO checkpoints (size, root, text, examiner_id, created_at) VALUES (?, ?, ?, ?, ?)",
            (point.size, point.root.hex(), note, signer.examiner_id, iso_utc()),
        )
        return note, self.verifier_key(signer.uid, signer.alg, signer.public_key)

    def latest_checkpoint(self) -> tuple[str, int] | None:
        """(note, examiner id) of the newest stored checkpoint."""
        row = self._conn.execute("SELECT text, examiner_id FROM checkpoints ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else (str(row[0]), int(row[1]))

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        """RFC 6962 consistency proof from the log at ``old_size`` to the log at ``new_size``."""
        if old_size == new_size or old_size == 0:
            return []
        return self.tree(new_size).consistency_proof(old_size)

    # -- checking ---------------------------------------------------------------
    def check(self, keys: dict[int, ExaminerKey]) -> list[Problem]:
        """Re-compute the whole chain, every signature and every stored node; return every break."""
        problems: list[Problem] = []
        previous, expected = GENESIS, 0
        nodes: dict[tuple[int, int], bytes] = {}
        rows = self._conn.execute(
            "SELECT seq, entry, leaf_hash, signature, examiner_id, item_id, case_id, action FROM custody ORDER BY seq"
        ).fetchall()
        unsigned: dict[int, tuple[str, int | None, int | None]] = {}  # seq -> (key fingerprint, item, case)
        leaves: list[bytes] = []
        for seq, entry_text, stored_leaf, signature, examiner_id, item_id, case_id, action in rows:
            entry = entry_text.encode("utf-8")
            leaf = merkle.leaf_hash(entry)
            leaves.append(leaf)
            for level, idx, value in merkle.new_nodes(seq, leaf, lambda lv, i: nodes.get((lv, i), _MISSING)):
                nodes[(level, idx)] = value
            found = []
            if seq != expected:
                found.append(("custody_gap", f"custody log entries {expected}..{seq - 1} are missing"))
            record = _parse(entry)
            found += _entry_problems(seq, record, leaf.hex(), stored_leaf, previous, item_id, action, examiner_id)
            key = keys.get(examiner_id)
            key_fp = (record.get("key") or {}).get("fingerprint", "")
            if key is None:
                found.append(("custody_unknown_examiner",
                              f"custody entry {seq} names examiner {examiner_id}, who is not in the vault"))
            elif key_fp != key.fingerprint:
                found.append(("custody_wrong_key", f"custody entry {seq} names key {key_fp or '(none)'}, not "
                              f"examiner {examiner_id}'s key {key.fingerprint}"))
            if not signature:
                unsigned[seq] = (key_fp, item_id, case_id)
            else:
                if key is not None and not verify_signature(key.alg, key.public_key, entry, _signature(signature)):
                    found.append(("custody_bad_signature", f"custody entry {seq} has an invalid signature"))
                found += _cover_problems(seq, record.get("covers"), key_fp, leaves, unsigned)
            problems += [Problem(code, message, custody_seq=seq, item_id=item_id, case_id=case_id)
                         for code, message in found]
            previous, expected = leaf.hex(), seq + 1
        problems += [Problem("custody_unsigned", f"custody entry {s} is signed by no one: no signed entry covers it",
                             custody_seq=s, item_id=i, case_id=c) for s, (_fp, i, c) in sorted(unsigned.items())]
        problems += self._check_nodes(nodes)
        problems += self._check_checkpoints(merkle.Tree(expected, lambda lv, i: nodes.get((lv, i), _MISSING)), keys)
        return problems

    def _check_nodes(self, computed: dict[tuple[int, int], bytes]) -> list[Problem]:
        stored = {(r[0], r[1]): bytes(r[2]) for r in self._conn.execute("SELECT level, idx, hash FROM merkle_nodes")}
        if stored == computed:
            return []
        wrong = sum(1 for key, value in computed.items() if stored.get(key) != value) + len(set(stored) - set(computed))
        return [Problem("custody_nodes_altered", f"{wrong} stored Merkle node(s) of the custody log disagree with its "
                        "entries (the stored tree was edited)")]

    def _check_checkpoints(self, tree: merkle.Tree, keys: dict[int, ExaminerKey]) -> list[Problem]:
        problems = []
        rows = self._conn.execute("SELECT id, size, root, text, examiner_id FROM checkpoints ORDER BY id").fetchall()
        for ident, size, root, text, examiner_id in rows:
            if size > tree.size:
                problems.append(Problem("custody_truncated", f"checkpoint {ident} covered {size} entries but the "
                                        f"log has only {tree.size}: entries were removed"))
                continue
            if merkle.Tree(size, tree._get).root().hex() != root or checkpoint_root(text) != (size, bytes.fromhex(root)):
                problems.append(Problem("custody_rewritten", f"the first {size} entries no longer match checkpoint "
                                        f"{ident} taken of them"))
                continue
            key = keys.get(examiner_id)
            try:
                if key is None:
                    raise ValueError("unknown examiner")
                verify_checkpoint(text, self.verifier_key(key.uid, key.alg, key.public_key))
            except Exception:  # noqa: BLE001 - any failure here is the same finding
                problems.append(Problem("checkpoint_bad_signature", f"checkpoint {ident} (size {size}) is not "
                                        f"signed by the examiner it names ({examiner_id})"))
        return problems


def _cover_problems(seq: int, covers: Any, key_fp: str, leaves: list[bytes],
                    unsigned: dict[int, tuple[str, int | None, int | None]]) -> list[tuple[str, str]]:
    """A signed entry's ``covers`` must name exactly the unsigned entries of the same key just before it."""
    if not covers:
        return []
    try:
        first, count, root = int(covers["first"]), int(covers["count"]), str(covers["root"])
    except (KeyError, TypeError, ValueError):
        return [("custody_bad_cover", f"custody entry {seq}: its cover is malformed")]
    if first + count != seq or first < 0 or count < 1:
        return [("custody_bad_cover", f"custody entry {seq} covers entries {first}..{first + count - 1}, not the "
                 "ones just before it")]
    found = []
    if merkle.root_hash(leaves[first:seq]).hex() != root:
        found.append(("custody_bad_cover", f"custody entry {seq}: entries {first}..{seq - 1} are not the ones its "
                      "signature covered (one was changed)"))
    for covered in range(first, seq):
        fp, _item, _case = unsigned.pop(covered, ("", None, None))
        if fp != key_fp:
            found.append(("custody_bad_cover", f"custody entry {seq} covers entry {covered}, which is signed or "
                          "another key's"))
    return found


def _signature(text: str) -> bytes:
    try:
        return decode_signature(text)
    except Exception:  # noqa: BLE001 - a malformed signature is simply invalid
        return b""


def _parse(entry: bytes) -> dict[str, Any]:
    try:
        record = json.loads(entry)
    except json.JSONDecodeError:
        return {}
    return record if isinstance(record, dict) else {}


def _entry_problems(seq: int, record: dict[str, Any], leaf: str, stored_leaf: str, previous: str,
                    item_id: int | None, action: str, examiner_id: int) -> list[tuple[str, str]]:
    if not record:
        return [("custody_unreadable", f"custody entry {seq} is not a valid record")]
    found = []
    if leaf != stored_leaf:
        found.append(("custody_altered", f"custody entry {seq} was altered (its hash changed)"))
    if record.get("seq") != seq:
        found.append(("custody_reordered", f"custody entry {seq} claims position {record.get('seq')}: entries were moved"))
    if record.get("prev") != previous:
        found.append(("custody_chain_broken", f"custody entry {seq} does not follow the entry before it"))
    if ((record.get("item") or {}).get("id") != item_id or record.get("action") != action
            or (record.get("examiner") or {}).get("id") != examiner_id):
        found.append(("custody_index_mismatch", f"custody entry {seq}: its columns disagree with its text"))
    return found
